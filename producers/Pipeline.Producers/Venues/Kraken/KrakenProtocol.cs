// Kraken WebSocket v2: the "trade" channel (snapshot of recent trades on subscribe, then updates) and heartbeats.
using System.Text.Json;
using Pipeline.Schemas.V1;

namespace Pipeline.Producers.Venues.Kraken;

public sealed class KrakenProtocol : IVenueProtocol
{
    public string Exchange => "kraken";

    // v2 trade ids are a sequence per book.
    public bool SequentialTradeIds => true;
    public string? PingFrame => """{"method":"ping"}""";

    public Uri StreamUri(Uri webSocketBase, VenueListing listing) => webSocketBase;

    public IReadOnlyList<string> StreamedIntervals(VenueListing listing) => [];

    public IReadOnlyList<string> SubscribeFrames(VenueListing listing) =>
        [
            JsonSerializer.Serialize(
                new
                {
                    method = "subscribe",
                    @params = new
                    {
                        channel = "trade",
                        symbol = new[] { WsSymbol(listing.Symbol) },
                        snapshot = true,
                    },
                }
            ),
        ];

    public void Parse(ReadOnlyMemory<byte> frame, VenueListing listing, long receiveTimeUs, ParsedFrame into)
    {
        using var doc = JsonDocument.Parse(frame);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
            throw new FormatException("frame is not a JSON object");
        if (root.TryGetProperty("method", out _))
        {
            // Acks of subscribe and ping; a failed subscribe carries "success": false and "error".
            if (root.TryGetProperty("success", out var ok) && ok.ValueKind == JsonValueKind.False)
                into.VenueError = root.TryGetProperty("error", out var err) ? err.GetString() : "request failed";
            return;
        }
        if (root.Str("channel") != "trade")
            return; // heartbeat, status
        foreach (var t in root.Get("data").EnumerateArray())
        {
            into.Trades.Add(
                new Trade
                {
                    Instrument = listing.Instrument,
                    TradeId = t.Long("trade_id"),
                    // v2 sends price and qty as JSON numbers: read from their text, never through double.
                    Price = JsonFields.Wire(t.Get("price").Positive("price")),
                    Size = JsonFields.Wire(t.Get("qty").Positive("qty")),
                    // v2 "side" is the taker's side.
                    Aggressor = JsonFields.Aggressor(t.Str("side"), buy: "buy", sell: "sell"),
                    EventTimeUs = JsonFields.IsoMicros(t.Str("timestamp")),
                    ReceiveTimeUs = receiveTimeUs,
                    Origin = Origin.Live,
                    VenueSymbol = t.Str("symbol"),
                }
            );
        }
    }

    /// <summary>WebSocket v2 says BTC where the REST API says XBT.</summary>
    internal static string WsSymbol(string symbol) => symbol.Replace("XBT/", "BTC/", StringComparison.OrdinalIgnoreCase);

    /// <summary>The REST pair name: "BTC/USD" → "XBTUSD".</summary>
    internal static string RestPair(string symbol) =>
        WsSymbol(symbol).Replace("BTC/", "XBT/", StringComparison.OrdinalIgnoreCase).Replace("/", "");
}
