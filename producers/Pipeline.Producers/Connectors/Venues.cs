// The supported live venues: each one's WebSocket dialect and REST history.
using Microsoft.Extensions.Logging;
using Pipeline.Producers.Connectors.Binance;
using Pipeline.Producers.Connectors.Coinbase;
using Pipeline.Producers.Connectors.Hyperliquid;
using Pipeline.Producers.Connectors.Kraken;

namespace Pipeline.Producers.Connectors;

public static class Venues
{
    public static readonly IReadOnlyList<string> Supported = ["binance", "coinbase", "kraken", "hyperliquid"];

    /// <summary>A fresh protocol per connection (some keep per-connection state, e.g. Hyperliquid's open candles).</summary>
    public static IVenueProtocol Protocol(string exchange) => exchange switch
    {
        "binance" => new BinanceProtocol(),
        "coinbase" => new CoinbaseProtocol(),
        "kraken" => new KrakenProtocol(),
        "hyperliquid" => new HyperliquidProtocol(),
        _ => throw new ArgumentException($"no live connector for exchange '{exchange}'; supported: {string.Join(", ", Supported)}"),
    };

    public static IVenueHistory History(string exchange, HttpClient http, VenueGuard guard, Uri restBase, ILogger log)
    {
        var venueHttp = new VenueHttp(http, guard, log);
        return exchange switch
        {
            "binance" => new BinanceHistory(venueHttp, restBase),
            "coinbase" => new CoinbaseHistory(venueHttp, restBase),
            "kraken" => new KrakenHistory(venueHttp, restBase),
            "hyperliquid" => new HyperliquidHistory(venueHttp, restBase),
            _ => throw new ArgumentException($"no REST history for exchange '{exchange}'; supported: {string.Join(", ", Supported)}"),
        };
    }
}
