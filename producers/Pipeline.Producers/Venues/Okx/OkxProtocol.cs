// OKX v5 WebSocket: "trades-all" (every trade; the older "trades" channel has the same fields) and "candle<bar>",
// text pings ("ping" → "pong").
using System.Text.Json;
using Pipeline.Schemas;
using Pipeline.Schemas.V1;

namespace Pipeline.Producers.Venues.Okx;

public sealed class OkxProtocol : IVenueProtocol
{
    private static readonly byte[] Pong = "pong"u8.ToArray();

    public string Exchange => "okx";

    // Trade ids grow by one per trade and instrument (69 of 69 consecutive in the recorded BTC-USDT frames), so a
    // jump on a live link is a gap too; a jump the venue never fills costs one history-trades request.
    public bool SequentialTradeIds => true;

    // OKX closes connections idle for 30 s; it answers the text "ping" with "pong".
    public string? PingFrame => "ping";

    public Uri StreamUri(Uri webSocketBase, VenueListing listing) => webSocketBase;

    public IReadOnlyList<string> StreamedIntervals(VenueListing listing) =>
        listing.Intervals.Where(OkxInstruments.Bars.ContainsKey).ToList();

    public IReadOnlyList<string> SubscribeFrames(VenueListing listing) =>
        [
            JsonSerializer.Serialize(
                new
                {
                    op = "subscribe",
                    args = new[] { new { channel = "trades-all", instId = listing.Symbol } }
                        .Concat(
                            StreamedIntervals(listing)
                                .Select(i => new { channel = $"candle{OkxInstruments.Bars[i]}", instId = listing.Symbol })
                        )
                        .ToArray(),
                }
            ),
        ];

    public void Parse(ReadOnlyMemory<byte> frame, VenueListing listing, long receiveTimeUs, ParsedFrame into)
    {
        if (frame.Span.SequenceEqual(Pong))
            return;
        using var doc = JsonDocument.Parse(frame);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
            throw new FormatException("frame is not a JSON object");
        if (root.TryGetProperty("event", out var ev))
        {
            // {"event":"subscribe",...} acks; {"event":"error","code":"60012","msg":"..."} failures.
            if (ev.GetString() == "error")
                into.VenueError = root.Joined("code", "msg");
            return;
        }
        var channel = root.Get("arg").Str("channel");
        if (channel is "trades" or "trades-all")
        {
            foreach (var t in root.Get("data").EnumerateArray())
                into.Trades.Add(ToTrade(t, listing, receiveTimeUs, Origin.Live));
        }
        else if (channel.StartsWith("candle", StringComparison.Ordinal))
        {
            var bar = channel["candle".Length..];
            var interval =
                OkxInstruments.Bars.FirstOrDefault(kv => kv.Value == bar).Key
                ?? throw new FormatException($"candle bar '{bar}' is not one the pipeline uses");
            foreach (var row in root.Get("data").EnumerateArray())
            {
                // Updates arrive while the candle is open; confirm "1" is the final one.
                if (row[8].GetString() != "1")
                    continue;
                into.Candles.Add(ToCandle(row, listing, interval, Origin.Live));
            }
        }
    }

    /// <summary>A trade (WebSocket or history-trades): "side" is the taker's; "sz" is base currency on spot and
    /// contracts on swaps (the venue's own unit).</summary>
    internal static Trade ToTrade(JsonElement t, VenueListing listing, long receiveTimeUs, Origin origin) =>
        new()
        {
            Instrument = listing.Instrument,
            TradeId = t.Long("tradeId"),
            Price = JsonFields.Wire(t.Get("px").Positive("px")),
            Size = JsonFields.Wire(t.Get("sz").Positive("sz")),
            Aggressor = JsonFields.Aggressor(t.Str("side"), buy: "buy", sell: "sell"),
            EventTimeUs = t.Long("ts") * 1000,
            ReceiveTimeUs = receiveTimeUs,
            Origin = origin,
            VenueSymbol = t.Str("instId"),
        };

    /// <summary>[ts, o, h, l, c, vol, volCcy, volCcyQuote, confirm]: vol is base currency on spot and contracts on swaps
    /// (the venue's own unit, as in its candles); volCcyQuote is the quote volume.</summary>
    internal static Candle ToCandle(JsonElement row, VenueListing listing, string interval, Origin origin)
    {
        var open = long.Parse(row[0].GetString()!, System.Globalization.CultureInfo.InvariantCulture) * 1000;
        var candle = new Candle
        {
            Instrument = listing.Instrument,
            Interval = interval,
            OpenTimeUs = open,
            CloseTimeUs = open + CandleInterval.Parse(interval).DurationUs,
            Open = JsonFields.Wire(row[1].Positive("open")),
            High = JsonFields.Wire(row[2].Positive("high")),
            Low = JsonFields.Wire(row[3].Positive("low")),
            Close = JsonFields.Wire(row[4].Positive("close")),
            Volume = JsonFields.Wire(row[5].Dec("vol")),
            Closed = true,
            Source = CandleSource.Exchange,
            Origin = origin,
        };
        if (row.GetArrayLength() > 7)
        {
            var quote = row[7].Dec("volCcyQuote");
            candle.QuoteVolume = JsonFields.Wire(quote);
            // A VWAP needs the base volume: on spot that is vol; on swaps vol counts contracts.
            if (listing.Instrument.Market == MarketType.Spot && candle.Volume.ToDecimal() > 0)
                candle.Vwap = JsonFields.Wire(quote / candle.Volume.ToDecimal());
        }
        return candle;
    }
}
