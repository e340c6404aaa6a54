// Hyperliquid perps: addresses, symbol rule (the coin), REST budget, the latest 5000 candles, its 13 intervals.
using Pipeline.Schemas.V1;

namespace Pipeline.Producers.Venues.Hyperliquid;

public sealed class HyperliquidVenue : IVenue
{
    /// <summary>Hyperliquid keeps only this many recent candles per interval.</summary>
    public const int CandleDepth = 5000;

    public string Name => "hyperliquid";
    public VenueEndpoints Endpoints { get; } = new(new("wss://api.hyperliquid.xyz/ws"), new("https://api.hyperliquid.xyz"));

    // 1200 weight/min per IP; candleSnapshot costs 20 plus 1 per 60 candles → ~28 per full page.
    public double RestRequestsPerSecond => 0.5;
    public IReadOnlyList<string> CandleIntervals => HyperliquidProtocol.Intervals;

    public long HistoryDepthUs(long intervalUs, long nowUs) => CandleDepth * intervalUs;

    public string DefaultSymbol(string @base, string quote, MarketType market) => @base;

    public string? ListingProblem(string @base, string quote, MarketType market, string symbol) =>
        market != MarketType.Perp
            ? "Hyperliquid instruments here are perps; set market: perp"
            : VenueSymbols.Expect(Name, @base, quote, symbol, DefaultSymbol(@base, quote, market));

    public IVenueProtocol CreateProtocol() => new HyperliquidProtocol();

    public IVenueHistory CreateHistory(VenueHttp http, Uri restBase) => new HyperliquidHistory(http, restBase);
}
