// Yahoo Finance for US equities (the crypto-stock platform this product replaces polled it for AAPL, MSFT, ...): listings
// exchange yahoo, base = the ticker, quote USD, market spot (key yahoo:AAPL/USD:spot); one-minute bars polled during NYSE
// sessions. Yahoo's chart API is unofficial: no published rate budget, 1m history for the last 30 days.
using Pipeline.Schemas.Calendars;
using Pipeline.Schemas.V1;

namespace Pipeline.Producers.Venues.Yahoo;

public sealed class YahooVenue : IPolledVenue
{
    public string Name => "yahoo";

    // No stream: the WebSocket address is never used (the venue is polled, IPolledVenue).
    public VenueEndpoints Endpoints { get; } = new(new("wss://query1.finance.yahoo.com"), new("https://query1.finance.yahoo.com"));

    // Unpublished; users report 429s above roughly 2,000 requests an hour per address: one every 2 s stays below
    // (30 symbols polled every minute).
    public double RestRequestsPerSecond => 0.5;

    public IReadOnlyList<string> CandleIntervals { get; } = ["1m"];

    public ITradingCalendar Calendar => TradingCalendars.For(Name)!;

    public string PolledInterval => "1m";

    // Yahoo's bar for a minute keeps taking late prints for some seconds after the minute ends.
    public TimeSpan Settle => TimeSpan.FromSeconds(30);

    /// <summary>Yahoo keeps one-minute bars for 30 days.</summary>
    public long HistoryDepthUs(long intervalUs, long nowUs) => 30 * 86_400_000_000L;

    public string DefaultSymbol(string @base, string quote, MarketType market) => @base;

    public string? ListingProblem(string @base, string quote, MarketType market, string symbol)
    {
        if (market != MarketType.Spot)
            return "yahoo lists US equities: use market spot";
        if (!string.Equals(quote, "USD", StringComparison.OrdinalIgnoreCase))
            return $"yahoo listings here are US equities quoted in USD (NYSE calendar), not {quote}: use quote USD";
        return VenueSymbols.Expect(Name, @base, quote, symbol, @base);
    }

    public IVenueProtocol CreateProtocol() => throw new NotSupportedException("yahoo has no stream; its bars are polled (IPolledVenue)");

    public IVenueHistory CreateHistory(VenueHttp http, Uri restBase) => new YahooHistory(http, restBase, Calendar);
}
