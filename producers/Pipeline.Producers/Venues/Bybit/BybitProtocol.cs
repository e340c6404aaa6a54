// Bybit v5 public WebSocket: publicTrade.<symbol> and kline.<interval>.<symbol> on /v5/public/<category>, JSON pings.
using System.Text.Json;
using Pipeline.Schemas;
using Pipeline.Schemas.V1;

namespace Pipeline.Producers.Venues.Bybit;

public sealed class BybitProtocol : IVenueProtocol
{
    public string Exchange => "bybit";

    // Spot trade ids are numbers that grow but skip; perp trade ids are UUIDs: gaps are found from disconnects.
    public bool SequentialTradeIds => false;

    // Bybit drops connections without a ping every 20 s.
    public string? PingFrame => """{"op":"ping"}""";

    public Uri StreamUri(Uri webSocketBase, VenueListing listing) =>
        new($"{webSocketBase.ToString().TrimEnd('/')}/{BybitCategory.Of(listing.Instrument)}");

    public IReadOnlyList<string> StreamedIntervals(VenueListing listing) =>
        listing.Intervals.Where(BybitCategory.Intervals.ContainsKey).ToList();

    public IReadOnlyList<string> SubscribeFrames(VenueListing listing) =>
        [
            JsonSerializer.Serialize(
                new
                {
                    op = "subscribe",
                    args = new[] { $"publicTrade.{listing.Symbol}" }
                        .Concat(StreamedIntervals(listing).Select(i => $"kline.{BybitCategory.Intervals[i]}.{listing.Symbol}"))
                        .ToArray(),
                }
            ),
        ];

    public void Parse(ReadOnlyMemory<byte> frame, VenueListing listing, long receiveTimeUs, ParsedFrame into)
    {
        using var doc = JsonDocument.Parse(frame);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
            throw new FormatException("frame is not a JSON object");
        if (!root.TryGetProperty("topic", out var topicElement))
        {
            // Replies to subscribe and ping: {"success":true,"ret_msg":"pong","op":"ping",...} or {"op":"pong",...}.
            if (root.TryGetProperty("success", out var ok) && ok.ValueKind == JsonValueKind.False)
                into.VenueError = root.TryGetProperty("ret_msg", out var m) ? m.GetString() : "request failed";
            return;
        }
        var topic = topicElement.GetString() ?? "";
        if (topic.StartsWith("publicTrade.", StringComparison.Ordinal))
        {
            foreach (var t in root.Get("data").EnumerateArray())
                into.Trades.Add(
                    new Trade
                    {
                        Instrument = listing.Instrument,
                        TradeId = TradeId(t.Str("i")),
                        Price = JsonFields.Wire(t.Get("p").Positive("p")),
                        // Base coin on spot and linear perps, contracts (USD) on inverse perps: the venue's own unit.
                        Size = JsonFields.Wire(t.Get("v").Positive("v")),
                        // "S" is the taker's side.
                        Aggressor = Side(t.Str("S")),
                        EventTimeUs = t.Long("T") * 1000,
                        ReceiveTimeUs = receiveTimeUs,
                        Origin = Origin.Live,
                        VenueSymbol = t.Str("s"),
                    }
                );
        }
        else if (topic.StartsWith("kline.", StringComparison.Ordinal))
        {
            var bybitInterval = topic.Split('.')[1];
            var interval =
                BybitCategory.Intervals.FirstOrDefault(kv => kv.Value == bybitInterval).Key
                ?? throw new FormatException($"kline interval '{bybitInterval}' is not one the pipeline uses");
            foreach (var k in root.Get("data").EnumerateArray())
            {
                // Updates arrive while the candle is open; "confirm": true is the final one.
                if (!k.Get("confirm").GetBoolean())
                    continue;
                var open = k.Long("start") * 1000;
                into.Candles.Add(
                    ToCandle(
                        listing,
                        interval,
                        open,
                        k.Get("open"),
                        k.Get("high"),
                        k.Get("low"),
                        k.Get("close"),
                        k.Get("volume"),
                        k.Get("turnover"),
                        Origin.Live
                    )
                );
            }
        }
    }

    internal static AggressorSide Side(string side) => JsonFields.Aggressor(side, buy: "Buy", sell: "Sell");

    /// <summary>Spot ids are decimal numbers; perp ids are UUIDs, folded into a positive 63-bit number (the same UUID
    /// always gives the same id, so duplicates are still recognised downstream; ids are then not ordered).</summary>
    internal static long TradeId(string id)
    {
        if (long.TryParse(id, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n))
            return n;
        if (!Guid.TryParse(id, out var guid))
            throw new FormatException($"trade id '{id}' is neither a number nor a UUID");
        Span<byte> bytes = stackalloc byte[16];
        guid.TryWriteBytes(bytes, bigEndian: true, out _);
        return (long)(
                System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes)
                ^ System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes[8..])
            ) & long.MaxValue;
    }

    /// <summary>A Bybit kline (WebSocket object or REST row) as our Candle. Volume is in the venue's unit (base coin; USD
    /// contracts on inverse perps); turnover is the quote volume on spot and linear perps.</summary>
    internal static Candle ToCandle(
        VenueListing listing,
        string interval,
        long openUs,
        JsonElement open,
        JsonElement high,
        JsonElement low,
        JsonElement close,
        JsonElement volume,
        JsonElement turnover,
        Origin origin
    )
    {
        var candle = new Candle
        {
            Instrument = listing.Instrument,
            Interval = interval,
            OpenTimeUs = openUs,
            CloseTimeUs = openUs + CandleInterval.Parse(interval).DurationUs,
            Open = JsonFields.Wire(open.Positive("open")),
            High = JsonFields.Wire(high.Positive("high")),
            Low = JsonFields.Wire(low.Positive("low")),
            Close = JsonFields.Wire(close.Positive("close")),
            Volume = JsonFields.Wire(volume.Dec("volume")),
            Closed = true,
            Source = CandleSource.Exchange,
            Origin = origin,
        };
        if (BybitCategory.Of(listing.Instrument) != "inverse")
        {
            var quote = turnover.Dec("turnover");
            candle.QuoteVolume = JsonFields.Wire(quote);
            var baseVolume = candle.Volume.ToDecimal();
            if (baseVolume > 0)
                candle.Vwap = JsonFields.Wire(quote / baseVolume);
        }
        return candle;
    }
}
