// Binance spot: addresses, symbol rule (BTCUSDT), REST budget, history since the spot launch, all 14 intervals.
using Pipeline.Schemas.V1;

namespace Pipeline.Producers.Venues.Binance;

public sealed class BinanceVenue : IVenue
{
    private static readonly DateTimeOffset SpotLaunch = new(2017, 7, 14, 0, 0, 0, TimeSpan.Zero);

    public string Name => "binance";
    public VenueEndpoints Endpoints { get; } = new(new("wss://stream.binance.com:9443"), new("https://api.binance.com"));
    // 6000 weight/min per IP; historicalTrades costs 25 → at most 4/s.
    public double RestRequestsPerSecond => 3;
    public IReadOnlyList<string> CandleIntervals { get; } =
        ["1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d", "3d", "1w"];

    public long HistoryDepthUs(long intervalUs, long nowUs) => nowUs - SpotLaunch.ToUnixTimeMilliseconds() * 1000;

    public string DefaultSymbol(string @base, string quote, MarketType market) => $"{@base}{quote}";

    public string? ListingProblem(string @base, string quote, MarketType market, string symbol) =>
        VenueSymbols.Expect(Name, @base, quote, symbol, DefaultSymbol(@base, quote, market));

    public IVenueProtocol CreateProtocol() => new BinanceProtocol();

    public IVenueHistory CreateHistory(VenueHttp http, Uri restBase) => new BinanceHistory(http, restBase);
}
