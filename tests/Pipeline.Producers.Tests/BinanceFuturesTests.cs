using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Pipeline.Plumbing.Configuration;
using Pipeline.Plumbing.Errors;
using Pipeline.Producers.Venues;
using Pipeline.Producers.Venues.Binance;
using Pipeline.Producers.Venues.Binance.Dumps;
using Pipeline.Schemas.V1;
using Pipeline.Testing;
using Xunit;

namespace Pipeline.Producers.Tests;

/// <summary>Binance USD-M and COIN-M perpetuals: recorded aggTrade and kline frames normalised, COIN-M quantities kept in
/// contracts exactly as Binance's own candles count them, gaps filled from /fapi/v1/aggTrades, futures dumps recognised.</summary>
public sealed class BinanceFuturesTests
{
    private static readonly VenueListing Sushi = new(
        InstrumentRef.Create("binance", "SUSHI", "USDT", MarketType.Perp),
        "SUSHIUSDT",
        ["1m"]
    );
    private static readonly VenueListing Xrp = new(InstrumentRef.Create("binance", "XRP", "USD", MarketType.Perp), "XRPUSD_PERP", ["1m"]);
    private static readonly VenueListing Etc = new(InstrumentRef.Create("binance", "ETC", "USD", MarketType.Perp), "ETCUSD_PERP", ["1m"]);

    private static string Capture(string file) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "captures", file);

    private static ParsedFrame Parse(VenueListing listing, string frame)
    {
        var parsed = new ParsedFrame();
        new BinanceProtocol().Parse(System.Text.Encoding.UTF8.GetBytes(frame), listing, receiveTimeUs: 42, parsed);
        return parsed;
    }

    [Fact]
    public void A_recorded_usdm_aggregate_trade_keeps_its_aggregate_id_exact_decimals_and_taker_side()
    {
        var frame = File.ReadLines(Capture("binance-usdm-aggtrades-klines.jsonl")).First(l => l.Contains("sushiusdt@aggTrade"));
        var source = JsonNode.Parse(frame)!["data"]!;
        var trade = Assert.Single(Parse(Sushi, frame).Trades);
        Assert.Equal((long)source["a"]!, trade.TradeId);
        Assert.Equal(((string)source["p"]!, (string)source["q"]!), (trade.Price.ToInvariantString(), trade.Size.ToInvariantString()));
        Assert.Equal((bool)source["m"]! ? AggressorSide.Sell : AggressorSide.Buy, trade.Aggressor);
        Assert.Equal((long)source["T"]! * 1000, trade.EventTimeUs);
        Assert.Equal("binance:SUSHI/USDT:perp", trade.Instrument.Key);
    }

    [Fact]
    public void Futures_listings_stream_aggregate_trades_from_the_futures_hosts()
    {
        var protocol = new BinanceProtocol();
        var publicBase = VenueRegistry.Default.Get("binance").Endpoints.WebSocket;
        Assert.Equal(
            "wss://fstream.binance.com/stream?streams=sushiusdt@aggTrade/sushiusdt@kline_1m",
            protocol.StreamUri(publicBase, Sushi).ToString()
        );
        Assert.Equal(
            "wss://dstream.binance.com/stream?streams=xrpusd_perp@aggTrade/xrpusd_perp@kline_1m",
            protocol.StreamUri(publicBase, Xrp).ToString()
        );
        var spot = Sushi with { Instrument = InstrumentRef.Create("binance", "SUSHI", "USDT", MarketType.Spot) };
        Assert.Equal(
            "wss://stream.binance.com:9443/stream?streams=sushiusdt@trade/sushiusdt@kline_1m",
            protocol.StreamUri(publicBase, spot).ToString()
        );
        // An override (proxy, test server) serves every market on its own host.
        Assert.Equal(
            "ws://127.0.0.1:9000/stream?streams=xrpusd_perp@aggTrade/xrpusd_perp@kline_1m",
            protocol.StreamUri(new Uri("ws://127.0.0.1:9000"), Xrp).ToString()
        );
    }

    [Fact]
    public void A_recorded_closed_usdm_kline_is_a_candle_with_its_quote_volume()
    {
        var frame = File.ReadLines(Capture("binance-usdm-aggtrades-klines.jsonl"))
            .First(l => l.Contains("sushiusdt@kline") && l.Contains("\"x\":true"));
        var candle = Assert.Single(Parse(Sushi, frame).Candles);
        Assert.Equal((1_626_992_700_000_000, 1_626_992_760_000_000), (candle.OpenTimeUs, candle.CloseTimeUs));
        Assert.Equal(
            ("7.6080", "7.6180", "7.6070", "7.6170", "3005", "22875.8590", 113L),
            (
                candle.Open.ToInvariantString(),
                candle.High.ToInvariantString(),
                candle.Low.ToInvariantString(),
                candle.Close.ToInvariantString(),
                candle.Volume.ToInvariantString(),
                candle.QuoteVolume.ToInvariantString(),
                candle.TradeCount
            )
        );
    }

    [Fact]
    public void Coinm_trade_quantities_are_contracts_and_add_up_to_binances_own_kline_volume()
    {
        // Recorded COIN-M frames: between two updates of the same kline, its volume ("v", contracts) grows by exactly the
        // quantities of the aggregate trades that cover the new trade ids — whenever the recording holds all of them.
        var lines = File.ReadAllLines(Capture("binance-coinm-aggtrades-klines.jsonl"));
        var checkedPairs = 0;
        foreach (var listing in new[] { Xrp, Etc })
        {
            var symbol = listing.Symbol;
            var data = lines.Select(l => JsonNode.Parse(l)!["data"]!).Where(d => (string)d["s"]! == symbol).ToList();
            var klines = data.Where(d => (string)d["e"]! == "kline").Select(d => d["k"]!).ToList();
            var aggTrades = data.Where(d => (string)d["e"]! == "aggTrade").ToList();
            foreach (var (before, after) in klines.Zip(klines.Skip(1)))
            {
                if ((long)before["t"]! != (long)after["t"]!)
                    continue;
                var covering = aggTrades.Where(a => (long)a["f"]! > (long)before["L"]! && (long)a["l"]! <= (long)after["L"]!).ToList();
                var tradesCovered = covering.Sum(a => (long)a["l"]! - (long)a["f"]! + 1);
                if (tradesCovered != (long)after["n"]! - (long)before["n"]!)
                    continue; // the recording missed some of them
                var ours = covering
                    .SelectMany(a => Parse(listing, new JsonObject { ["data"] = a.DeepClone() }.ToJsonString()).Trades)
                    .ToList();
                Assert.Equal(decimal.Parse((string)after["v"]!) - decimal.Parse((string)before["v"]!), ours.Sum(t => t.Size.ToDecimal()));
                checkedPairs++;
            }
        }
        Assert.True(checkedPairs >= 5, $"only {checkedPairs} kline updates were fully covered by recorded trades");
        // COIN-M's "q"/"Q" columns are coin amounts, not quote volume: none is claimed.
        var closed =
            """{"stream":"xrpusd_perp@kline_1m","data":{"e":"kline","E":1626916440100,"s":"XRPUSD_PERP","k":{"t":"""
            + """1626916380000,"T":1626916439999,"s":"XRPUSD_PERP","i":"1m","f":51826883,"L":"""
            + """51826990,"o":"0.5669","c":"0.5664","h":"0.5669","l":"0.5660","v":"9546","n":40,"x":"""
            + """true,"q":"168470.12345678","V":"4000","Q":"70600.00000000","B":"0"}}}""";
        var candle = Assert.Single(Parse(Xrp, closed).Candles);
        Assert.Equal(("9546", "4000"), (candle.Volume.ToInvariantString(), candle.TakerBuyVolume.ToInvariantString()));
        Assert.Null(candle.QuoteVolume);
        Assert.Null(candle.Vwap);
    }

    [Fact]
    public async Task A_usdm_drop_is_filled_from_aggtrades_by_id_so_each_recorded_trade_arrives_once()
    {
        var recorded = File.ReadLines(Capture("binance-usdm-aggtrades-klines.jsonl")).Where(l => l.Contains("sushiusdt@aggTrade")).ToList();
        var data = recorded.Select(l => JsonNode.Parse(l)!["data"]!).ToList();
        var ids = data.Select(d => (long)d["a"]!).ToList();
        Assert.Equal(40, ids.Count);
        var firstFifteen = new TaskCompletionSource();
        await using var server = await FakeExchangeServer.StartAsync(
            async socket =>
            {
                Assert.Equal("/stream?streams=sushiusdt@aggTrade/sushiusdt@kline_1m", socket.Path);
                await socket.DropOnceAsync(recorded.Take(15), firstFifteen.Task, recorded.Skip(27));
            },
            app =>
            {
                app.MapGet(
                    "/fapi/v1/aggTrades",
                    (string symbol, long fromId, int limit) =>
                    {
                        // REST rows are the stream's fields without the event envelope ("a","p","q","f","l","T","m"), small pages.
                        var rows = data.Where(d => (long)d["a"]! >= fromId)
                            .Take(Math.Min(limit, 4))
                            .Select(d => new JsonObject
                            {
                                ["a"] = (long)d["a"]!,
                                ["p"] = (string)d["p"]!,
                                ["q"] = (string)d["q"]!,
                                ["f"] = (long)d["f"]!,
                                ["l"] = (long)d["l"]!,
                                ["T"] = (long)d["T"]!,
                                ["m"] = (bool)d["m"]!,
                            })
                            .ToArray();
                        return Results.Text(new JsonArray(rows).ToJsonString(), "application/json");
                    }
                );
                app.MapGet("/fapi/v1/klines", () => Results.Text("[]", "application/json"));
            }
        );

        var (trades, connection) = await LiveFeedRun.RunUntilAsync(server, Sushi, ids.Count, firstFifteen, 15);

        Assert.Equal(ids, trades.Select(t => t.TradeId));
        Assert.Equal(12, trades.Count(t => t.Origin == Origin.Backfill));
        Assert.Equal(0, connection.Stats.UnfilledGaps);
        Assert.Contains(server.RestRequests, r => r.StartsWith("/fapi/v1/klines?symbol=SUSHIUSDT&interval=1m"));
    }

    [Fact]
    public void A_coinm_trades_dump_is_recognised_and_its_quantities_stay_contracts()
    {
        // Documented COIN-M trades dump layout (data.binance.vision/data/futures/cm/...): a header, then
        // id,price,qty,base_qty,time,is_buyer_maker with qty in contracts.
        var dir = TestDirectories.Create("coinm-dump");
        var file = Path.Combine(dir, "BTCUSD_PERP-trades-2024-01-01.csv");
        File.WriteAllText(file, "id,price,qty,base_qty,time,is_buyer_maker\n875040918,42313.5,12,0.02835965,1704067200047,true\n");
        var dump = BinanceDumpFile.Parse(file);
        Assert.Equal(("BTCUSD_PERP", BinanceDumpKind.Trades), (dump.Symbol, dump.Kind));
        var row = File.ReadLines(file).Skip(1).Single();
        var trade = BinanceDumpParser.ParseTrade(row, dump.Kind, Xrp.Instrument, dump.Symbol, 0);
        Assert.Equal(
            ("12", AggressorSide.Sell, 1_704_067_200_047_000),
            (trade.Size.ToInvariantString(), trade.Aggressor, trade.EventTimeUs)
        );
    }

    [Fact]
    public void A_symbol_listed_on_spot_and_usdm_needs_its_market_named()
    {
        var listings = new VenueListings([
            new InstrumentOptions
            {
                Exchange = "binance",
                Base = "BTC",
                Quote = "USDT",
                Market = "spot",
                Symbol = "BTCUSDT",
                Intervals = ["1m"],
            },
            new InstrumentOptions
            {
                Exchange = "binance",
                Base = "BTC",
                Quote = "USDT",
                Market = "perp",
                Symbol = "BTCUSDT",
                Intervals = ["1m"],
            },
            new InstrumentOptions
            {
                Exchange = "binance",
                Base = "BTC",
                Quote = "USD",
                Market = "perp",
                Intervals = ["1m"],
            },
        ]);
        var e = Assert.Throws<InvalidRequestException>(() => listings.Find("binance", "BTCUSDT"));
        Assert.Contains("binance:BTC/USDT:spot and binance:BTC/USDT:perp; say which market", e.Message);
        Assert.Equal("binance:BTC/USDT:perp", listings.Find("binance", "BTCUSDT", MarketType.Perp).Instrument.Key);
        // Without a configured symbol, a USD-quoted perp is COIN-M's BTCUSD_PERP.
        Assert.Equal("binance:BTC/USD:perp", listings.Find("binance", "BTCUSD_PERP").Instrument.Key);
    }
}
