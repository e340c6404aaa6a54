// Bybit (v5 API): spot and perpetuals; addresses, symbol rule (BTCUSDT), REST budget, intervals, history depth.
using Pipeline.Schemas.V1;

namespace Pipeline.Producers.Venues.Bybit;

public sealed class BybitVenue : IVenue
{
    // USDT perps opened 2020-03; older candles do not exist (a request for them returns empty pages).
    private static readonly DateTimeOffset FirstCandles = new(2020, 3, 25, 0, 0, 0, TimeSpan.Zero);

    public string Name => "bybit";

    // The WebSocket base; each category has its own path under it (/spot, /linear, /inverse).
    public VenueEndpoints Endpoints { get; } = new(new("wss://stream.bybit.com/v5/public"), new("https://api.bybit.com"));

    // Public market endpoints: 600 requests per 5 s per IP; stay far below.
    public double RestRequestsPerSecond => 10;
    public IReadOnlyList<string> CandleIntervals => BybitCategory.Intervals.Keys.ToList();

    public long HistoryDepthUs(long intervalUs, long nowUs) => nowUs - FirstCandles.ToUnixTimeMilliseconds() * 1000;

    public string DefaultSymbol(string @base, string quote, MarketType market) => $"{@base}{quote}";

    public string? ListingProblem(string @base, string quote, MarketType market, string symbol) =>
        market is not (MarketType.Spot or MarketType.Perp)
            ? "Bybit listings here are spot or perp; set market: spot or market: perp"
            : VenueSymbols.Expect(Name, @base, quote, symbol, DefaultSymbol(@base, quote, market));

    public IVenueProtocol CreateProtocol() => new BybitProtocol();

    public IVenueHistory CreateHistory(VenueHttp http, Uri restBase) => new BybitHistory(http, restBase);
}
