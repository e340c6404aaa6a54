using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Plumbing.Configuration;
using Pipeline.Producers.Venues;
using Pipeline.Producers.Venues.Bybit;
using Pipeline.Schemas.V1;
using Xunit;

namespace Pipeline.Producers.Tests;

/// <summary>Bybit v5 (frames written from the documented formats; no v5 recording exists): trades and closed klines
/// normalised for spot and perps; a dropped link is filled from recent-trade so every trade arrives once, and what
/// recent-trade no longer holds is reported as missing.</summary>
public sealed class BybitConnectorTests
{
    private static readonly VenueListing Spot = new(InstrumentRef.Create("bybit", "BTC", "USDT", MarketType.Spot), "BTCUSDT", ["1m"]);
    private static readonly VenueListing Linear = new(InstrumentRef.Create("bybit", "BTC", "USDT", MarketType.Perp), "BTCUSDT", ["5m"]);

    private static ParsedFrame Parse(VenueListing listing, string frame)
    {
        var parsed = new ParsedFrame();
        new BybitProtocol().Parse(System.Text.Encoding.UTF8.GetBytes(frame), listing, receiveTimeUs: 42, parsed);
        return parsed;
    }

    [Fact]
    public void A_bybit_perp_trade_keeps_exact_decimals_the_taker_side_and_a_stable_id_from_its_uuid()
    {
        // The documented publicTrade example (linear): the id is a UUID.
        const string frame =
            """{"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1672304486868,"data":[{"T":"""
            + """1672304486865,"s":"BTCUSDT","S":"Buy","v":"0.001","p":"16578.50","L":"PlusTick","i":"20f43950-d8dd-5b31-"""
            + """9112-a178eb6023af","BT":false}]}""";
        var trade = Assert.Single(Parse(Linear, frame).Trades);
        Assert.Equal(
            ("16578.50", "0.001", AggressorSide.Buy),
            (trade.Price.ToInvariantString(), trade.Size.ToInvariantString(), trade.Aggressor)
        );
        Assert.Equal(1_672_304_486_865_000, trade.EventTimeUs);
        Assert.Equal("bybit:BTC/USDT:perp", trade.Instrument.Key);
        Assert.True(trade.TradeId > 0);
        // The same UUID always gives the same id (so a repeat is recognised downstream); another UUID another id.
        Assert.Equal(trade.TradeId, Assert.Single(Parse(Linear, frame).Trades).TradeId);
        Assert.NotEqual(trade.TradeId, Assert.Single(Parse(Linear, frame.Replace("20f43950", "20f43951")).Trades).TradeId);
    }

    [Fact]
    public void A_bybit_spot_trade_keeps_its_numeric_id_and_the_subscription_names_the_spot_stream()
    {
        const string frame =
            """{"topic":"publicTrade.BTCUSDT","ts":1672052955758,"type":"snapshot","data":[{"i":"2100000000007764263","T":"""
            + """1672052955758,"p":"16618.49","v":"0.00012","S":"Sell","s":"BTCUSDT","BT":false}]}""";
        var trade = Assert.Single(Parse(Spot, frame).Trades);
        Assert.Equal(2_100_000_000_007_764_263, trade.TradeId);
        Assert.Equal(AggressorSide.Sell, trade.Aggressor);
        var protocol = new BybitProtocol();
        Assert.Equal(
            new Uri("wss://stream.bybit.com/v5/public/spot"),
            protocol.StreamUri(new Uri("wss://stream.bybit.com/v5/public"), Spot)
        );
        Assert.Equal(
            new Uri("wss://stream.bybit.com/v5/public/linear"),
            protocol.StreamUri(new Uri("wss://stream.bybit.com/v5/public"), Linear)
        );
        Assert.Equal(
            """{"op":"subscribe","args":["publicTrade.BTCUSDT","kline.1.BTCUSDT"]}""",
            Assert.Single(protocol.SubscribeFrames(Spot))
        );
    }

    [Fact]
    public void Only_a_confirmed_bybit_kline_is_a_candle_with_turnover_as_quote_volume()
    {
        // The documented kline example, first as an update, then confirmed.
        const string update = """
            {"topic":"kline.5.BTCUSDT","data":[{"start":1672324800000,"end":1672325099999,"interval":"5","open":"16649.5",
            "close":"16677","high":"16677","low":"16608","volume":"2.081","turnover":"34666.4005","confirm":false,
            "timestamp":1672324988882}],"ts":1672324988882,"type":"snapshot"}
            """;
        Assert.Empty(Parse(Linear, update).Candles);
        var candle = Assert.Single(Parse(Linear, update.Replace("\"confirm\":false", "\"confirm\":true")).Candles);
        Assert.Equal(("5m", 1_672_324_800_000_000, 1_672_325_100_000_000), (candle.Interval, candle.OpenTimeUs, candle.CloseTimeUs));
        Assert.Equal(
            ("16649.5", "16677", "16608", "16677", "2.081", "34666.4005"),
            (
                candle.Open.ToInvariantString(),
                candle.High.ToInvariantString(),
                candle.Low.ToInvariantString(),
                candle.Close.ToInvariantString(),
                candle.Volume.ToInvariantString(),
                candle.QuoteVolume.ToInvariantString()
            )
        );
    }

    [Fact]
    public void Bybit_replies_are_not_data_and_a_refused_subscription_is_reported()
    {
        Assert.Empty(
            Parse(Spot, """{"success":true,"ret_msg":"pong","conn_id":"0970e817-426e-429a-a679-ff7f55e0b16a","op":"ping"}""").Trades
        );
        Assert.Empty(Parse(Linear, """{"op":"pong","args":["1675418560633"],"conn_id":"cfcb4ocsvfriu23r3er0-1b"}""").Trades);
        Assert.Equal(
            "error:handler not found,topic:publicTrade.BTCUSDX",
            Parse(
                Spot,
                """{"success":false,"ret_msg":"error:handler not found,topic:publicTrade.BTCUSDX","conn_id":"x","op":"subscribe"}"""
            ).VenueError
        );
        Assert.Throws<FormatException>(() =>
            Parse(Spot, """{"topic":"publicTrade.BTCUSDT","data":[{"i":"1","T":1,"p":"1","v":"1","S":"Up","s":"BTCUSDT"}]}""")
        );
    }

    [Fact]
    public async Task Bybit_drop_is_filled_from_recent_trades_so_each_trade_arrives_once()
    {
        var all = Trades(50);
        var firstTwenty = new TaskCompletionSource();
        await using var server = await FakeExchangeServer.StartAsync(
            async socket =>
            {
                Assert.Equal("/spot", socket.Path);
                Assert.Contains("publicTrade.BTCUSDT", await socket.ReceiveAsync());
                await socket.SendAsync("""{"success":true,"ret_msg":"subscribe","conn_id":"1","op":"subscribe"}""");
                await socket.DropOnceAsync(all.Take(20).Select(Frame), firstTwenty.Task, all.Skip(30).Select(Frame));
            },
            app =>
            {
                app.MapGet("/v5/market/recent-trade", (string category, string symbol, int limit) => RecentTrades(all, category, limit));
                // The kline stream was down too: its candles are asked for (none closed in these 0.3 s).
                app.MapGet(
                    "/v5/market/kline",
                    () => Results.Text("""{"retCode":0,"retMsg":"OK","result":{"list":[]}}""", "application/json")
                );
            }
        );

        var (trades, connection) = await LiveFeedRun.RunUntilAsync(server, Spot, all.Count, firstTwenty, 20);

        Assert.Equal(all.Select(t => t.Id), trades.Select(t => t.TradeId));
        Assert.Equal(10, trades.Count(t => t.Origin == Origin.Backfill));
        Assert.Equal(1, connection.Stats.Gaps);
        Assert.Equal(0, connection.Stats.UnfilledGaps);
        Assert.Contains(server.RestRequests, r => r.Contains("recent-trade") && r.Contains("category=spot") && r.Contains("limit=60"));
        Assert.Contains(server.RestRequests, r => r.Contains("/v5/market/kline") && r.Contains("interval=1&"));
    }

    [Fact]
    public async Task A_bybit_gap_older_than_its_recent_trades_is_filled_as_far_as_they_reach_and_reported()
    {
        var all = Trades(50);
        var firstTwenty = new TaskCompletionSource();
        await using var server = await FakeExchangeServer.StartAsync(
            async socket =>
            {
                await socket.ReceiveAsync();
                await socket.DropOnceAsync(all.Take(20).Select(Frame), firstTwenty.Task, all.Skip(30).Select(Frame));
                // The venue keeps only the 25 newest trades: ids 25-29 of the gap are there, 20-24 are gone.
            },
            app => app.MapGet("/v5/market/recent-trade", (string category, string symbol, int limit) => RecentTrades(all, category, 25))
        );

        var (trades, connection) = await LiveFeedRun.RunUntilAsync(server, Spot, 45, firstTwenty, 20);

        Assert.Equal(all.Take(20).Concat(all.Skip(25)).Select(t => t.Id), trades.Select(t => t.TradeId));
        Assert.Equal(1, connection.Stats.UnfilledGaps);
    }

    [Fact]
    public async Task Bybit_kline_history_is_paged_in_windows_oldest_first_and_skips_the_open_candle()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var t0 = now - now % 60_000 - 1500 * 60_000L;
        var rows = Enumerable
            .Range(0, 1501)
            .Select(i => new JsonArray(
                (t0 + i * 60_000L).ToString(CultureInfo.InvariantCulture),
                "100",
                "101",
                "99",
                $"{100 + i % 2}",
                "1.5",
                "150.75"
            ))
            .ToList();
        await using var server = await FakeExchangeServer.StartAsync(
            _ => Task.CompletedTask,
            app =>
                app.MapGet(
                    "/v5/market/kline",
                    (string category, string symbol, string interval, long start, long end, int limit) =>
                    {
                        var page = rows.Where(r => long.Parse((string)r[0]!) >= start && long.Parse((string)r[0]!) <= end)
                            .OrderByDescending(r => long.Parse((string)r[0]!))
                            .Take(limit)
                            .Select(r => r.DeepClone())
                            .ToArray();
                        var body = new JsonObject
                        {
                            ["retCode"] = 0,
                            ["retMsg"] = "OK",
                            ["result"] = new JsonObject
                            {
                                ["category"] = category,
                                ["symbol"] = symbol,
                                ["list"] = new JsonArray(page),
                            },
                        };
                        return Results.Text(body.ToJsonString(), "application/json");
                    }
                )
        );
        var venue = VenueRegistry.Default.Get("bybit");
        using var http = new HttpClient();
        using var guard = new VenueGuard(venue, new ConnectionOptions { RestRequestsPerSecond = 100 });
        var history = venue.CreateHistory(new VenueHttp(http, guard, NullLogger.Instance), server.RestBase);

        var candles = new List<Candle>();
        await foreach (var page in history.CandlePagesAsync(Spot, "1m", t0 * 1000, (t0 + 1501 * 60_000L) * 1000, CancellationToken.None))
            candles.AddRange(page);

        // 1500 closed candles; the last row is the candle still open now.
        Assert.Equal(Enumerable.Range(0, 1500).Select(i => (t0 + i * 60_000L) * 1000), candles.Select(c => c.OpenTimeUs));
        Assert.Equal("100.5", candles[0].Vwap.ToInvariantString());
        Assert.Equal(2, server.RestRequests.Count);
        Assert.All(server.RestRequests, r => Assert.Contains("interval=1&", r));
    }

    private sealed record BybitTrade(long Id, string Price, string Size, string Side, long TimeMs);

    private static List<BybitTrade> Trades(int count) =>
        Enumerable
            .Range(0, count)
            .Select(i => new BybitTrade(
                2_100_000_000_007_764_263 + i * 3,
                $"{16_600 + i}.{i % 10}",
                $"0.00{i % 9 + 1}",
                i % 3 == 0 ? "Sell" : "Buy",
                1_672_052_955_000 + i * 7
            ))
            .ToList();

    private static string Frame(BybitTrade t) =>
        $$"""{"topic":"publicTrade.BTCUSDT","ts":{{t.TimeMs + 1}},"type":"snapshot","data":[{"i":"{{t.Id}}","T":{{t.TimeMs}}"""
        + $$""","p":"{{t.Price}}","v":"{{t.Size}}","S":"{{t.Side}}","s":"BTCUSDT","BT":false}]}""";

    private static IResult RecentTrades(List<BybitTrade> all, string category, int limit)
    {
        var list = all.OrderByDescending(t => t.TimeMs)
            .Take(limit)
            .Select(t =>
                (JsonNode)
                    new JsonObject
                    {
                        ["execId"] = t.Id.ToString(CultureInfo.InvariantCulture),
                        ["symbol"] = "BTCUSDT",
                        ["price"] = t.Price,
                        ["size"] = t.Size,
                        ["side"] = t.Side,
                        ["time"] = t.TimeMs.ToString(CultureInfo.InvariantCulture),
                        ["isBlockTrade"] = false,
                    }
            )
            .ToArray();
        var body = new JsonObject
        {
            ["retCode"] = 0,
            ["retMsg"] = "OK",
            ["result"] = new JsonObject { ["category"] = category, ["list"] = new JsonArray(list) },
        };
        return Results.Text(body.ToJsonString(), "application/json");
    }
}
