// Hyperliquid WebSocket: "trades" and "candle" subscriptions per coin, application-level pings.
using System.Text.Json;
using Pipeline.Schemas.V1;

namespace Pipeline.Producers.Venues.Hyperliquid;

public sealed class HyperliquidProtocol : IVenueProtocol
{
    /// <summary>The intervals Hyperliquid serves that the pipeline also uses.</summary>
    internal static readonly string[] Intervals = ["1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "8h", "12h", "1d", "3d", "1w"];

    // The last update seen per open candle: Hyperliquid pushes a candle on every trade without a "closed" flag,
    // so a candle is final when an update for the next interval arrives.
    private readonly Dictionary<string, JsonElement> _open = new();

    public string Exchange => "hyperliquid";

    // Trade ids ("tid") are unique but not consecutive: gaps are found from disconnects.
    public bool SequentialTradeIds => false;

    // The server drops connections that send nothing for a minute.
    public string? PingFrame => """{"method":"ping"}""";

    public Uri StreamUri(Uri webSocketBase, VenueListing listing) => webSocketBase;

    // A candle open when the link dropped may have missed updates: it is not emitted; the gap fill's snapshot covers it.
    public void Reset() => _open.Clear();

    public IReadOnlyList<string> StreamedIntervals(VenueListing listing) => listing.Intervals.Where(i => Intervals.Contains(i)).ToList();

    public IReadOnlyList<string> SubscribeFrames(VenueListing listing) =>
        [
            JsonSerializer.Serialize(new { method = "subscribe", subscription = new { type = "trades", coin = listing.Symbol } }),
            .. StreamedIntervals(listing)
                .Select(i =>
                    JsonSerializer.Serialize(
                        new
                        {
                            method = "subscribe",
                            subscription = new
                            {
                                type = "candle",
                                coin = listing.Symbol,
                                interval = i,
                            },
                        }
                    )
                ),
        ];

    public void Parse(ReadOnlyMemory<byte> frame, VenueListing listing, long receiveTimeUs, ParsedFrame into)
    {
        using var doc = JsonDocument.Parse(frame);
        var root = doc.RootElement;
        switch (root.Str("channel"))
        {
            case "trades":
                foreach (var t in root.Get("data").EnumerateArray())
                    into.Trades.Add(
                        new Trade
                        {
                            Instrument = listing.Instrument,
                            TradeId = t.Long("tid"),
                            Price = JsonFields.Wire(t.Get("px").Positive("px")),
                            Size = JsonFields.Wire(t.Get("sz").Positive("sz")),
                            // "B" (bid) means the taker bought, "A" (ask) that the taker sold.
                            Aggressor = JsonFields.Aggressor(t.Str("side"), buy: "B", sell: "A"),
                            EventTimeUs = t.Long("time") * 1000,
                            ReceiveTimeUs = receiveTimeUs,
                            Origin = Origin.Live,
                            VenueSymbol = t.Str("coin"),
                        }
                    );
                break;
            case "candle":
                var c = root.Get("data");
                var interval = c.Str("i");
                if (_open.TryGetValue(interval, out var previous) && previous.Long("t") < c.Long("t"))
                    into.Candles.Add(ToCandle(previous, listing, Origin.Live));
                _open[interval] = c.Clone();
                break;
            case "error":
                into.VenueError = root.TryGetProperty("data", out var d) ? d.ToString() : "error";
                break;
            default:
                return; // subscriptionResponse, pong
        }
    }

    /// <summary>{t, T, s, i, o, c, h, l, v, n} (WebSocket and candleSnapshot alike) as our Candle; T is the last
    /// included millisecond, so the exclusive close is one interval after t.</summary>
    internal static Candle ToCandle(JsonElement c, VenueListing listing, Origin origin)
    {
        var open = c.Long("t") * 1000;
        return new Candle
        {
            Instrument = listing.Instrument,
            Interval = c.Str("i"),
            OpenTimeUs = open,
            CloseTimeUs = c.Long("T") * 1000 + 1000,
            Open = JsonFields.Wire(c.Get("o").Positive("o")),
            High = JsonFields.Wire(c.Get("h").Positive("h")),
            Low = JsonFields.Wire(c.Get("l").Positive("l")),
            Close = JsonFields.Wire(c.Get("c").Positive("c")),
            Volume = JsonFields.Wire(c.Get("v").Dec("v")),
            TradeCount = c.Long("n"),
            Closed = true,
            Source = CandleSource.Exchange,
            Origin = origin,
        };
    }
}
