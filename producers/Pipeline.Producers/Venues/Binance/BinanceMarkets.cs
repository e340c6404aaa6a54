// Where each Binance market lives and how it names symbols.
using Pipeline.Plumbing.Errors;
using Pipeline.Schemas.V1;

namespace Pipeline.Producers.Venues.Binance;

public static class BinanceMarkets
{
    private const string SpotRestHost = "api.binance.com";
    private const string SpotStreamHost = "stream.binance.com";

    /// <summary>The market of a listing: perps quoted in USD are COIN-M, other perps USD-M; ArgumentException otherwise.</summary>
    public static BinanceMarket Of(InstrumentRef instrument) =>
        instrument.Market switch
        {
            MarketType.Spot => BinanceMarket.Spot,
            MarketType.Perp => instrument.Quote == "USD" ? BinanceMarket.CoinMargined : BinanceMarket.UsdMargined,
            _ => throw new InvalidRequestException($"Binance {instrument.Market} listings are not supported; use spot or perp"),
        };

    /// <summary>BTCUSDT on spot and USD-M, BTCUSD_PERP on COIN-M.</summary>
    public static string Symbol(string @base, string quote, MarketType market) =>
        market == MarketType.Perp && quote == "USD" ? $"{@base}USD_PERP" : $"{@base}{quote}";

    /// <summary>The REST path prefix: /api/v3, /fapi/v1, /dapi/v1.</summary>
    public static string RestPrefix(BinanceMarket market) =>
        market switch
        {
            BinanceMarket.UsdMargined => "/fapi/v1",
            BinanceMarket.CoinMargined => "/dapi/v1",
            _ => "/api/v3",
        };

    /// <summary>The market's REST host. The venue's default (spot) address maps to fapi./dapi.binance.com; a configured
    /// override (a proxy or a test server) serves all three markets under their path prefixes.</summary>
    public static Uri RestBase(Uri restBase, BinanceMarket market) =>
        market == BinanceMarket.Spot || restBase.Host != SpotRestHost
            ? restBase
            : new UriBuilder(restBase) { Host = market == BinanceMarket.UsdMargined ? "fapi.binance.com" : "dapi.binance.com" }.Uri;

    /// <summary>The market's WebSocket host, mapped like <see cref="RestBase"/> (futures streams listen on 443).</summary>
    public static Uri StreamBase(Uri webSocketBase, BinanceMarket market) =>
        market == BinanceMarket.Spot || webSocketBase.Host != SpotStreamHost
            ? webSocketBase
            : new UriBuilder(webSocketBase)
            {
                Host = market == BinanceMarket.UsdMargined ? "fstream.binance.com" : "dstream.binance.com",
                Port = 443,
            }.Uri;
}
