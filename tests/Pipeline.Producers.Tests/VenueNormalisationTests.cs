using Pipeline.Producers.Connectors;
using Pipeline.Producers.Venues;
using Pipeline.Producers.Venues.Binance;
using Pipeline.Producers.Venues.Coinbase;
using Pipeline.Producers.Venues.Hyperliquid;
using Pipeline.Producers.Venues.Kraken;
using Pipeline.Schemas.V1;
using Xunit;

namespace Pipeline.Producers.Tests;

/// <summary>Every message type the connectors use, in each venue's native format, becomes the right Trade or Candle.</summary>
public sealed class VenueNormalisationTests
{
    private static VenueListing Listing(
        string exchange,
        string @base,
        string quote,
        string symbol,
        MarketType market = MarketType.Spot,
        params string[] intervals
    ) => new(InstrumentRef.Create(exchange, @base, quote, market), symbol, intervals.Length == 0 ? ["1m"] : intervals);

    private static string Capture(string file) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "captures", file);

    private static ParsedFrame Parse(IVenueProtocol protocol, VenueListing listing, string frame)
    {
        var parsed = new ParsedFrame();
        protocol.Parse(System.Text.Encoding.UTF8.GetBytes(frame), listing, receiveTimeUs: 42, parsed);
        return parsed;
    }

    [Fact]
    public void Coinbase_match_side_is_the_maker_so_the_aggressor_is_the_opposite_and_decimals_stay_exact()
    {
        // Recorded frame (cryptofeed capture): a maker SELL order was hit, so the taker bought.
        var frame = File.ReadLines(Capture("coinbase-matches.jsonl")).Single(l => l.Contains("\"trade_id\":280232,"));
        var trade = Assert.Single(Parse(new CoinbaseProtocol(), Listing("coinbase", "SKL", "BTC", "SKL-BTC"), frame).Trades);
        Assert.Equal(280232, trade.TradeId);
        Assert.Equal(AggressorSide.Buy, trade.Aggressor);
        Assert.Equal("0.00001305", trade.Price.ToInvariantString());
        Assert.Equal("985", trade.Size.ToInvariantString());
        Assert.Equal(1_618_677_817_089_723, trade.EventTimeUs); // 2021-04-17T16:43:37.089723Z
        Assert.Equal(Origin.Live, trade.Origin);
        Assert.Equal("SKL-BTC", trade.VenueSymbol);
        Assert.Equal(42, trade.ReceiveTimeUs);
    }

    [Fact]
    public void Every_recorded_coinbase_match_and_last_match_is_a_trade()
    {
        var protocol = new CoinbaseProtocol();
        var lines = File.ReadAllLines(Capture("coinbase-matches.jsonl"));
        var trades = lines.SelectMany(l => Parse(protocol, Listing("coinbase", "X", "Y", "X-Y"), l).Trades).ToList();
        Assert.Equal(107, trades.Count);
        var lastMatch = trades.Single(t => t.TradeId == 881613); // a last_match frame, maker side "sell"
        Assert.Equal(AggressorSide.Buy, lastMatch.Aggressor);
        Assert.Equal(1_618_677_810_244_075, lastMatch.EventTimeUs);
        Assert.Equal("14.7775", lastMatch.Price.ToInvariantString());
    }

    [Fact]
    public void Coinbase_control_frames_are_not_trades()
    {
        var protocol = new CoinbaseProtocol();
        var listing = Listing("coinbase", "BTC", "USD", "BTC-USD");
        Assert.Empty(
            Parse(protocol, listing, """{"type":"subscriptions","channels":[{"name":"matches","product_ids":["BTC-USD"]}]}""").Trades
        );
        Assert.Empty(
            Parse(
                protocol,
                listing,
                """{"type":"heartbeat","last_trade_id":20,"product_id":"BTC-USD","sequence":10,"time":"2014-11-07T08:19:28.464459Z"}"""
            ).Trades
        );
        Assert.Equal(
            "Failed to subscribe BTC-USDX is not a valid product",
            Parse(
                protocol,
                listing,
                """{"type":"error","message":"Failed to subscribe","reason":"BTC-USDX is not a valid product"}"""
            ).VenueError
        );
    }

    [Fact]
    public void Binance_trade_event_keeps_the_trade_id_exact_decimals_and_taker_side()
    {
        // Documented @trade payload (Binance spot WebSocket streams), inside the combined-stream envelope.
        const string frame =
            """{"stream":"btcusdt@trade","data":{"e":"trade","E":1735689600123,"s":"BTCUSDT","t":"""
            + """4321000001,"p":"93576.01000000","q":"0.00150000","T":1735689600120,"m":true,"M":true}}""";
        var trade = Assert.Single(Parse(new BinanceProtocol(), Listing("binance", "BTC", "USDT", "BTCUSDT"), frame).Trades);
        Assert.Equal(4_321_000_001, trade.TradeId);
        Assert.Equal("93576.01000000", trade.Price.ToInvariantString());
        Assert.Equal("0.00150000", trade.Size.ToInvariantString());
        Assert.Equal(AggressorSide.Sell, trade.Aggressor); // buyer is maker → taker sold
        Assert.Equal(1_735_689_600_120_000, trade.EventTimeUs);
        Assert.Equal("binance:BTC/USDT:spot", trade.Instrument.Key);
    }

    [Fact]
    public void Binance_closed_kline_becomes_an_exchange_candle_and_open_klines_are_skipped()
    {
        var protocol = new BinanceProtocol();
        var lines = File.ReadAllLines(Capture("binance-klines.jsonl"));
        var listing = Listing("binance", "OMG", "BUSD", "OMGBUSD");
        var candles = lines.SelectMany(l => Parse(protocol, listing, l).Candles).ToList();
        // Of the recorded kline frames only one has "x": true (OMGBUSD, 2021-10-12T00:24:00Z).
        var candle = Assert.Single(candles);
        Assert.Equal("1m", candle.Interval);
        Assert.Equal(1_633_998_240_000_000, candle.OpenTimeUs);
        Assert.Equal(1_633_998_300_000_000, candle.CloseTimeUs);
        Assert.Equal(
            ("13.72120000", "13.80760000", "13.72120000", "13.76640000"),
            (
                candle.Open.ToInvariantString(),
                candle.High.ToInvariantString(),
                candle.Low.ToInvariantString(),
                candle.Close.ToInvariantString()
            )
        );
        Assert.Equal("536.51000000", candle.Volume.ToInvariantString());
        Assert.Equal("7387.12073500", candle.QuoteVolume.ToInvariantString());
        Assert.Equal("231.60000000", candle.TakerBuyVolume.ToInvariantString());
        Assert.Equal(14, candle.TradeCount);
        Assert.Equal(CandleSource.Exchange, candle.Source);
        Assert.True(candle.Closed);
    }

    [Fact]
    public void Binance_stream_uri_names_the_trade_and_kline_streams()
    {
        var uri = new BinanceProtocol().StreamUri(
            new Uri("wss://stream.binance.com:9443"),
            Listing("binance", "BTC", "USDT", "BTCUSDT", MarketType.Spot, "1m", "1h")
        );
        Assert.Equal("wss://stream.binance.com:9443/stream?streams=btcusdt@trade/btcusdt@kline_1m/btcusdt@kline_1h", uri.ToString());
    }

    [Fact]
    public void Kraken_v2_trades_read_numbers_exactly_and_side_is_the_taker()
    {
        // Documented v2 trade update (docs.kraken.com, WebSocket v2 "trade"): price and qty are JSON numbers.
        const string frame =
            """{"channel":"trade","type":"update","data":[{"symbol":"BTC/USD","side":"sell","price":26351.9,"qty":"""
            + """0.00096412,"ord_type":"market","trade_id":4665906,"timestamp":"2023-09-25T07:49:37.708706Z"},"""
            + """{"symbol":"BTC/USD","side":"buy","price":26352.0,"qty":1.2e-3,"ord_type":"limit","trade_id":"""
            + """4665907,"timestamp":"2023-09-25T07:49:37.708706Z"}]}""";
        var trades = Parse(new KrakenProtocol(), Listing("kraken", "BTC", "USD", "BTC/USD"), frame).Trades;
        Assert.Equal([4665906L, 4665907L], trades.Select(t => t.TradeId));
        Assert.Equal("26351.9", trades[0].Price.ToInvariantString());
        Assert.Equal("0.00096412", trades[0].Size.ToInvariantString());
        Assert.Equal(0.0012m, trades[1].Size.ToDecimal());
        Assert.Equal(AggressorSide.Sell, trades[0].Aggressor);
        Assert.Equal(AggressorSide.Buy, trades[1].Aggressor);
        Assert.Equal(1_695_628_177_708_706, trades[0].EventTimeUs);
    }

    [Fact]
    public void Kraken_v2_acks_heartbeats_and_failed_subscriptions_are_not_trades()
    {
        var protocol = new KrakenProtocol();
        var listing = Listing("kraken", "BTC", "USD", "BTC/USD");
        Assert.Empty(Parse(protocol, listing, """{"channel":"heartbeat"}""").Trades);
        Assert.Empty(
            Parse(
                protocol,
                listing,
                """{"method":"subscribe","result":{"channel":"trade","snapshot":true,"symbol":"BTC/USD"},"success":"""
                    + """true,"time_in":"2023-09-25T09:04:31.742599Z","time_out":"2023-09-25T09:04:31.742648Z"}"""
            ).Trades
        );
        Assert.Equal(
            "Currency pair not supported BTC/USDX",
            Parse(
                protocol,
                listing,
                """{"error":"Currency pair not supported BTC/USDX","method":"subscribe","success":false,"symbol":"BTC/USDX"}"""
            ).VenueError
        );
        Assert.Contains("\"symbol\":[\"BTC/USD\"]", Assert.Single(protocol.SubscribeFrames(Listing("kraken", "BTC", "USD", "XBT/USD"))));
    }

    [Fact]
    public void Hyperliquid_trades_map_side_b_to_taker_buy_and_keep_tid()
    {
        // Documented WsTrade (Hyperliquid docs, "trades" subscription): side B = bid (taker bought), A = ask.
        const string frame =
            """{"channel":"trades","data":[{"coin":"BTC","side":"B","px":"97012.5","sz":"0.00123","time":"""
            + """1735689600123,"hash":"0xabc","tid":877707108085800,"users":["0x1","0x2"]},"""
            + """{"coin":"BTC","side":"A","px":"97012.0","sz":"0.5","time":1735689600124,"hash":"0xabd","tid":"""
            + """291051253412345,"users":["0x3","0x4"]}]}""";
        var trades = Parse(new HyperliquidProtocol(), Listing("hyperliquid", "BTC", "USD", "BTC", MarketType.Perp), frame).Trades;
        Assert.Equal([877707108085800L, 291051253412345L], trades.Select(t => t.TradeId));
        Assert.Equal([AggressorSide.Buy, AggressorSide.Sell], trades.Select(t => t.Aggressor));
        Assert.Equal("97012.5", trades[0].Price.ToInvariantString());
        Assert.Equal("0.00123", trades[0].Size.ToInvariantString());
        Assert.Equal(1_735_689_600_123_000, trades[0].EventTimeUs);
        Assert.Equal("hyperliquid:BTC/USD:perp", trades[0].Instrument.Key);
    }

    [Fact]
    public void Hyperliquid_candle_is_final_when_the_next_interval_starts()
    {
        var protocol = new HyperliquidProtocol();
        var listing = Listing("hyperliquid", "BTC", "USD", "BTC", MarketType.Perp);
        static string C(long t, string c, string v, int n) =>
            $$$"""{"channel":"candle","data":{"t":{{{t}}},"T":{{{t + 59_999}}}"""
            + $$$""","s":"BTC","i":"1m","o":"97000.0","c":"{{{c}}}","h":"97100.0","l":"96950.0","v":"{{{v}}}","n":{{{n}}}}}""";
        Assert.Empty(Parse(protocol, listing, C(1_735_689_600_000, "97050.0", "1.5", 10)).Candles);
        Assert.Empty(Parse(protocol, listing, C(1_735_689_600_000, "97060.0", "2.5", 12)).Candles);
        var closed = Assert.Single(Parse(protocol, listing, C(1_735_689_660_000, "97060.0", "0.1", 1)).Candles);
        Assert.Equal(1_735_689_600_000_000, closed.OpenTimeUs);
        Assert.Equal(1_735_689_660_000_000, closed.CloseTimeUs);
        Assert.Equal("97060.0", closed.Close.ToInvariantString());
        Assert.Equal("2.5", closed.Volume.ToInvariantString());
        Assert.Equal(12, closed.TradeCount);

        // After a reconnect the candle open before it is not emitted: it may have missed updates while the link was down.
        Assert.Equal(
            1_735_689_660_000_000,
            Assert.Single(Parse(protocol, listing, C(1_735_689_720_000, "97070.0", "0.2", 2)).Candles).OpenTimeUs
        );
        protocol.Reset();
        Assert.Empty(Parse(protocol, listing, C(1_735_689_840_000, "97080.0", "0.3", 3)).Candles);
    }

    [Theory]
    [InlineData("2021-04-17T16:43:37Z", 1_618_677_817_000_000L)]
    [InlineData("2021-04-17T16:43:37.5Z", 1_618_677_817_500_000L)]
    [InlineData("2021-04-17T16:43:37.089723Z", 1_618_677_817_089_723L)]
    [InlineData("2021-04-17T16:43:37.089723999Z", 1_618_677_817_089_723L)]
    [InlineData("2024-02-29T23:59:59.999999Z", 1_709_251_199_999_999L)]
    [InlineData("1970-01-01T00:00:00Z", 0L)]
    public void Venue_times_become_exact_microseconds(string text, long expected) => Assert.Equal(expected, JsonFields.IsoMicros(text));

    [Theory]
    [InlineData("2021-04-17 16:43:37Z")]
    [InlineData("2021-04-17T16:43:37+01:00")]
    [InlineData("2023-02-29T00:00:00Z")]
    [InlineData("2021-04-17T16:43:37.Z")]
    [InlineData("2021-04-17T16:43:37.12a4Z")]
    public void Times_that_are_not_rfc3339_utc_are_malformed(string text) =>
        Assert.Throws<FormatException>(() => JsonFields.IsoMicros(text));

    [Theory]
    [InlineData(
        "binance",
        """{"stream":"btcusdt@trade","data":{"e":"trade","t":1,"p":"abc","q":"1","T":1735689600120,"m":true,"s":"BTCUSDT"}}"""
    )]
    [InlineData(
        "coinbase",
        """{"type":"match","trade_id":1,"side":"buy","size":"1","price":"-5","product_id":"BTC-USD","time":"2021-04-17T16:43:37.089723Z"}"""
    )]
    [InlineData(
        "kraken",
        """{"channel":"trade","type":"update","data":[{"symbol":"BTC/USD","side":"sideways","price":1,"qty":1,"trade_id":"""
            + """1,"timestamp":"2023-09-25T07:49:37.708706Z"}]}"""
    )]
    [InlineData("hyperliquid", """{"channel":"trades","data":[{"coin":"BTC","side":"B","px":"1","sz":"1","time":1735689600123}]}""")]
    [InlineData("binance", """{not json""")]
    public void Malformed_frames_are_rejected_with_a_reason(string exchange, string frame)
    {
        var e = Record.Exception(() =>
            Parse(VenueRegistry.Default.Get(exchange).CreateProtocol(), Listing(exchange, "BTC", "USD", "BTC"), frame)
        );
        Assert.True(e is FormatException or System.Text.Json.JsonException, $"expected a format error, got {e?.GetType().Name ?? "none"}");
    }
}
