// Coinbase Exchange: addresses, symbol rule (BTC-USD), REST budget, candle intervals and depth.
using Pipeline.Schemas.V1;

namespace Pipeline.Producers.Venues.Coinbase;

public sealed class CoinbaseVenue : IVenue
{
    private static readonly DateTimeOffset Launch = new(2015, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public string Name => "coinbase";
    public VenueEndpoints Endpoints { get; } = new(new("wss://ws-feed.exchange.coinbase.com"), new("https://api.exchange.coinbase.com"));

    // Public endpoints: 10/s per IP.
    public double RestRequestsPerSecond => 5;
    public IReadOnlyList<string> CandleIntervals => CoinbaseHistory.Granularities.Keys.ToList();

    public long HistoryDepthUs(long intervalUs, long nowUs) => nowUs - Launch.ToUnixTimeMilliseconds() * 1000;

    public string DefaultSymbol(string @base, string quote, MarketType market) => $"{@base}-{quote}";

    public string? ListingProblem(string @base, string quote, MarketType market, string symbol) =>
        VenueSymbols.Expect(Name, @base, quote, symbol, DefaultSymbol(@base, quote, market));

    public IVenueProtocol CreateProtocol() => new CoinbaseProtocol();

    public IVenueHistory CreateHistory(VenueHttp http, Uri restBase) => new CoinbaseHistory(http, restBase);
}
