namespace Pipeline.Producers.Connectors;

/// <summary>Where a venue lives: its WebSocket and REST base addresses (tests point these at local fake servers).</summary>
public sealed record VenueEndpoints(Uri WebSocket, Uri Rest)
{
    public static VenueEndpoints For(string exchange) => exchange switch
    {
        "binance" => new(new("wss://stream.binance.com:9443"), new("https://api.binance.com")),
        "coinbase" => new(new("wss://ws-feed.exchange.coinbase.com"), new("https://api.exchange.coinbase.com")),
        "kraken" => new(new("wss://ws.kraken.com/v2"), new("https://api.kraken.com")),
        "hyperliquid" => new(new("wss://api.hyperliquid.xyz/ws"), new("https://api.hyperliquid.xyz")),
        _ => throw new ArgumentException($"no live connector for exchange '{exchange}'; supported: binance, coinbase, kraken, hyperliquid"),
    };
}
