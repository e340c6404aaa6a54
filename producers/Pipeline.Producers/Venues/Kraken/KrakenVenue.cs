// Kraken: addresses, symbol rule (BTC/USD, or XBT/USD as its REST API says), REST budget, 720 candles of depth.
using Pipeline.Schemas.V1;

namespace Pipeline.Producers.Venues.Kraken;

public sealed class KrakenVenue : IVenue
{
    /// <summary>Kraken serves only the latest 720 candles per interval.</summary>
    public const int CandleDepth = 720;

    public string Name => "kraken";
    public VenueEndpoints Endpoints { get; } = new(new("wss://ws.kraken.com/v2"), new("https://api.kraken.com"));

    // Public calls: about 1/s per IP before throttling.
    public double RestRequestsPerSecond => 1;
    public IReadOnlyList<string> CandleIntervals => KrakenHistory.Minutes.Keys.ToList();

    public long HistoryDepthUs(long intervalUs, long nowUs) => CandleDepth * intervalUs;

    public string DefaultSymbol(string @base, string quote, MarketType market) => $"{@base}/{quote}";

    // Kraken's REST API still says XBT for bitcoin; its WebSocket v2 says BTC.
    public string? ListingProblem(string @base, string quote, MarketType market, string symbol) =>
        VenueSymbols.Expect(Name, @base, quote, symbol, $"{@base}/{quote}", $"{(@base == "BTC" ? "XBT" : @base)}/{quote}");

    public IVenueProtocol CreateProtocol() => new KrakenProtocol();

    public IVenueHistory CreateHistory(VenueHttp http, Uri restBase) => new KrakenHistory(http, restBase);
}
