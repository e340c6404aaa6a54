// Binance combined streams, named in the URL: spot <symbol>@trade, futures (USD-M, COIN-M) <symbol>@aggTrade, and
// <symbol>@kline_<interval>.
using System.Text.Json;
using Pipeline.Schemas.V1;

namespace Pipeline.Producers.Venues.Binance;

public sealed class BinanceProtocol : IVenueProtocol
{
    public string Exchange => "binance";

    // Spot trade ids ("t") and futures aggregate trade ids ("a") grow by one per trade and symbol.
    public bool SequentialTradeIds => true;

    // Binance pings at the WebSocket level; ClientWebSocket answers those itself.
    public string? PingFrame => null;

    public Uri StreamUri(Uri webSocketBase, VenueListing listing)
    {
        var symbol = listing.Symbol.ToLowerInvariant();
        var market = BinanceMarkets.Of(listing.Instrument);
        // Futures publish no raw trade stream: aggregate trades (one per taker order and price) are their trade feed.
        var trades = market == BinanceMarket.Spot ? "trade" : "aggTrade";
        var streams = new[] { $"{symbol}@{trades}" }.Concat(listing.Intervals.Select(i => $"{symbol}@kline_{i}"));
        var @base = BinanceMarkets.StreamBase(webSocketBase, market);
        return new Uri($"{@base.ToString().TrimEnd('/')}/stream?streams={string.Join('/', streams)}");
    }

    public IReadOnlyList<string> StreamedIntervals(VenueListing listing) => listing.Intervals;

    public IReadOnlyList<string> SubscribeFrames(VenueListing listing) => [];

    public void Parse(ReadOnlyMemory<byte> frame, VenueListing listing, long receiveTimeUs, ParsedFrame into)
    {
        using var doc = JsonDocument.Parse(frame);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
            throw new FormatException("frame is not a JSON object");
        // Replies to control requests ({"result":null,"id":1}) and errors ({"code":..,"msg":..}).
        if (root.TryGetProperty("code", out var code) && root.TryGetProperty("msg", out var msg))
        {
            into.VenueError = $"{code} {msg}";
            return;
        }
        if (root.TryGetProperty("result", out _) && root.TryGetProperty("id", out _))
            return;
        var data = root.TryGetProperty("data", out var d) ? d : root;
        switch (data.Str("e"))
        {
            case "trade":
                into.Trades.Add(ToTrade(data, "t", listing, receiveTimeUs));
                break;
            case "aggTrade":
                // Size in base asset on USD-M, in contracts on COIN-M: Binance's own unit for the market.
                into.Trades.Add(ToTrade(data, "a", listing, receiveTimeUs));
                break;
            case "kline":
                var k = data.Get("k");
                // Only the final update of a kline ("x": true) is a candle; the others are previews.
                if (!k.Get("x").GetBoolean())
                    return;
                var kline = new BinanceKline
                {
                    OpenTimeUs = BinanceTimestamps.ToMicros(k.Long("t")),
                    CloseTimeUs = BinanceKline.ExclusiveCloseUs(k.Long("T")),
                    Open = k.Str("o"),
                    High = k.Str("h"),
                    Low = k.Str("l"),
                    Close = k.Str("c"),
                    Volume = k.Str("v"),
                    QuoteVolume = k.Str("q"),
                    TradeCount = k.Long("n"),
                    TakerBuyBaseVolume = k.Str("V"),
                    TakerBuyQuoteVolume = k.Str("Q"),
                };
                into.Candles.Add(kline.ToCandle(listing.Instrument, k.Str("i"), Origin.Live));
                break;
            default:
                return; // other event types are not subscribed; ignore rather than fail
        }
    }

    /// <summary>A spot trade (id field "t") or a futures aggregate trade (id field "a"): the other fields are the same.</summary>
    private static Trade ToTrade(JsonElement data, string idField, VenueListing listing, long receiveTimeUs) =>
        new()
        {
            Instrument = listing.Instrument,
            TradeId = data.Long(idField),
            Price = JsonFields.Wire(data.Get("p").Positive("price")),
            Size = JsonFields.Wire(data.Get("q").Positive("quantity")),
            // "m": the buyer is the maker, so the taker sold.
            Aggressor = data.Get("m").GetBoolean() ? AggressorSide.Sell : AggressorSide.Buy,
            EventTimeUs = BinanceTimestamps.ToMicros(data.Long("T")),
            ReceiveTimeUs = receiveTimeUs,
            Origin = Origin.Live,
            VenueSymbol = data.Str("s"),
        };
}
