// OKX (v5 API): spot and perpetual swaps; addresses, instId rule (BTC-USDT, BTC-USDT-SWAP), REST budget, bars, depth.
using Pipeline.Schemas.V1;

namespace Pipeline.Producers.Venues.Okx;

public sealed class OkxVenue : IVenue
{
    // history-candles reaches back to the instruments' listing (BTC-USDT: 2018); older ranges return empty pages.
    private static readonly DateTimeOffset FirstCandles = new(2018, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public string Name => "okx";

    // trades-all and the candle channels are served on /business (since June 2023), so one connection carries both.
    public VenueEndpoints Endpoints { get; } = new(new("wss://ws.okx.com:8443/ws/v5/business"), new("https://www.okx.com"));

    // history-trades and history-candles: 20 requests per 2 s per IP.
    public double RestRequestsPerSecond => 5;
    public IReadOnlyList<string> CandleIntervals => OkxInstruments.Bars.Keys.ToList();

    public long HistoryDepthUs(long intervalUs, long nowUs) => nowUs - FirstCandles.ToUnixTimeMilliseconds() * 1000;

    public string DefaultSymbol(string @base, string quote, MarketType market) => OkxInstruments.InstId(@base, quote, market);

    public string? ListingProblem(string @base, string quote, MarketType market, string symbol) =>
        market is not (MarketType.Spot or MarketType.Perp)
            ? "OKX listings here are spot or perp (SWAP); set market: spot or market: perp"
            : VenueSymbols.Expect(Name, @base, quote, symbol, DefaultSymbol(@base, quote, market));

    public IVenueProtocol CreateProtocol() => new OkxProtocol();

    public IVenueHistory CreateHistory(VenueHttp http, Uri restBase) => new OkxHistory(http, restBase);
}
