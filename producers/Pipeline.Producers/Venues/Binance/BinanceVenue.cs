// Binance spot, USD-M and COIN-M perpetuals: addresses (spot's; BinanceMarkets maps the futures hosts), symbol rules
// (BTCUSDT, BTCUSD_PERP), REST budget, history since the spot launch, all 14 intervals.
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

    public string DefaultSymbol(string @base, string quote, MarketType market) => BinanceMarkets.Symbol(@base, quote, market);

    public string? ListingProblem(string @base, string quote, MarketType market, string symbol) =>
        market is not (MarketType.Spot or MarketType.Perp)
            ? "Binance listings here are spot or perp (USD-M when quoted in USDT/USDC, COIN-M when quoted in USD); set market: spot or perp"
            : VenueSymbols.Expect(Name, @base, quote, symbol, DefaultSymbol(@base, quote, market));

    public IVenueProtocol CreateProtocol() => new BinanceProtocol();

    public IVenueHistory CreateHistory(VenueHttp http, Uri restBase) => new BinanceHistory(http, restBase);
}
