// Coinbase Exchange feed: the "matches" channel (plus "heartbeat" so a quiet product still shows the link is alive).
using System.Text.Json;
using Pipeline.Schemas.V1;

namespace Pipeline.Producers.Venues.Coinbase;

public sealed class CoinbaseProtocol : IVenueProtocol
{
    public string Exchange => "coinbase";

    // Coinbase trade ids grow by one per trade and product.
    public bool SequentialTradeIds => true;
    public string? PingFrame => null;

    public Uri StreamUri(Uri webSocketBase, VenueListing listing) => webSocketBase;

    public IReadOnlyList<string> StreamedIntervals(VenueListing listing) => [];

    public IReadOnlyList<string> SubscribeFrames(VenueListing listing) =>
        [
            JsonSerializer.Serialize(
                new
                {
                    type = "subscribe",
                    product_ids = new[] { listing.Symbol },
                    channels = new[] { "matches", "heartbeat" },
                }
            ),
        ];

    public void Parse(ReadOnlyMemory<byte> frame, VenueListing listing, long receiveTimeUs, ParsedFrame into)
    {
        using var doc = JsonDocument.Parse(frame);
        var root = doc.RootElement;
        switch (root.Str("type"))
        {
            // "last_match" is the most recent trade, sent once on subscribe: a trade like any other (dedupe keeps one).
            case "match" or "last_match":
                into.Trades.Add(ToTrade(root, listing, receiveTimeUs, Origin.Live));
                break;
            case "error":
                into.VenueError = root.Joined("message", "reason");
                break;
            default:
                return; // subscriptions, heartbeat
        }
    }

    /// <summary>A match (WebSocket) or a trade (REST): both name the MAKER's side, so the aggressor is the opposite.</summary>
    internal static Trade ToTrade(JsonElement e, VenueListing listing, long receiveTimeUs, Origin origin) =>
        new()
        {
            Instrument = listing.Instrument,
            TradeId = e.Long("trade_id"),
            Price = JsonFields.Wire(e.Get("price").Positive("price")),
            Size = JsonFields.Wire(e.Get("size").Positive("size")),
            // The maker's side: the taker bought when the maker sold.
            Aggressor = JsonFields.Aggressor(e.Str("side"), buy: "sell", sell: "buy"),
            EventTimeUs = JsonFields.IsoMicros(e.Str("time")),
            ReceiveTimeUs = receiveTimeUs,
            Origin = origin,
            VenueSymbol = e.TryGetProperty("product_id", out var p) ? p.GetString() ?? listing.Symbol : listing.Symbol,
        };
}
