using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Plumbing.Topics;
using Pipeline.Producers.Connectors;
using Pipeline.Producers.Publishing;
using Pipeline.Producers.Venues;
using Pipeline.Schemas.V1;
using Pipeline.Testing;
using Xunit;
using static Pipeline.Producers.Tests.LiveFeedRun;

namespace Pipeline.Producers.Tests;

/// <summary>A venue that drops the connection mid-stream and skips trade ids: every trade still reaches trades.raw
/// exactly once, the missing ones filled from the venue's REST API.</summary>
public sealed class ConnectorGapBackfillTests
{
    [Fact]
    public async Task Coinbase_drop_and_skipped_ids_are_filled_by_cursor_paging_so_each_recorded_match_arrives_once()
    {
        // 53 real consecutive SKL-USD matches (cryptofeed capture, 2021-04-17).
        var matches = File.ReadLines(Path.Combine(AppContext.BaseDirectory, "Fixtures", "captures", "coinbase-matches.jsonl"))
            .Select(l => JsonNode.Parse(l)!.AsObject())
            .Where(m => (string)m["product_id"]! == "SKL-USD")
            .ToList();
        Assert.Equal(53, matches.Count);
        var ids = matches.Select(m => (long)m["trade_id"]!).ToList();
        var firstTwenty = new TaskCompletionSource();

        await using var server = await FakeExchangeServer.StartAsync(
            async socket =>
            {
                var subscribe = JsonNode.Parse(await socket.ReceiveAsync())!;
                Assert.Equal("SKL-USD", (string)subscribe["product_ids"]![0]!);
                await socket.SendAsync("""{"type":"subscriptions","channels":[{"name":"matches","product_ids":["SKL-USD"]}]}""");
                // After reconnecting: matches 21-34 were missed while down, and 41-43 are skipped on a live link.
                await socket.DropOnceAsync(
                    matches.Take(20).Select(m => m.ToJsonString()),
                    firstTwenty.Task,
                    matches.Skip(34).Take(6).Concat(matches.Skip(43)).Select(m => m.ToJsonString())
                );
            },
            app =>
                app.MapGet(
                    "/products/{product}/trades",
                    (HttpContext http, string product, long after, int limit) =>
                    {
                        // Newest first, ids below "after"; small pages so the client has to follow CB-AFTER.
                        var page = matches
                            .Where(m => (long)m["trade_id"]! < after)
                            .OrderByDescending(m => (long)m["trade_id"]!)
                            .Take(Math.Min(limit, 5))
                            .Select(m => new JsonObject
                            {
                                ["time"] = (string)m["time"]!,
                                ["trade_id"] = (long)m["trade_id"]!,
                                ["price"] = (string)m["price"]!,
                                ["size"] = (string)m["size"]!,
                                ["side"] = (string)m["side"]!,
                            })
                            .ToList();
                        if (page.Count > 0)
                            http.Response.Headers["CB-AFTER"] = ((long)page[^1]["trade_id"]!).ToString(CultureInfo.InvariantCulture);
                        return Results.Text(new JsonArray([.. page]).ToJsonString(), "application/json");
                    }
                )
        );

        var listing = new VenueListing(InstrumentRef.Create("coinbase", "SKL", "USD", MarketType.Spot), "SKL-USD", ["1m"]);
        var (trades, connection) = await RunUntilAsync(server, listing, ids.Count, firstTwenty, 20);

        Assert.Equal(ids, trades.Select(t => t.TradeId).Order());
        Assert.Equal(ids.Count, trades.Select(t => t.TradeId).Distinct().Count());
        Assert.Equal(2, connection.Stats.Gaps);
        Assert.Equal(14 + 3, connection.Stats.BackfilledRecords);
        Assert.Equal(17, trades.Count(t => t.Origin == Origin.Backfill));
        Assert.True(connection.Stats.Connects >= 2);
        // Backfilled trades carry the venue's own values, e.g. the maker side flipped to the aggressor.
        var filled = trades.Single(t => t.TradeId == ids[25]);
        var source = matches[25];
        Assert.Equal((string)source["price"]!, filled.Price.ToInvariantString());
        Assert.Equal((string)source["side"]! == "buy" ? AggressorSide.Sell : AggressorSide.Buy, filled.Aggressor);
    }

    [Fact]
    public async Task A_gap_larger_than_the_cap_is_filled_oldest_first_up_to_the_cap_and_reported()
    {
        var matches = File.ReadLines(Path.Combine(AppContext.BaseDirectory, "Fixtures", "captures", "coinbase-matches.jsonl"))
            .Select(l => JsonNode.Parse(l)!.AsObject())
            .Where(m => (string)m["product_id"]! == "SKL-USD")
            .ToList();
        var ids = matches.Select(m => (long)m["trade_id"]!).ToList();
        await using var server = await FakeExchangeServer.StartAsync(
            async socket =>
            {
                await socket.ReceiveAsync();
                // 20 delivered, then 14 skipped on a live link, then the rest.
                foreach (var m in matches.Take(20).Concat(matches.Skip(34)))
                    await socket.SendAsync(m.ToJsonString());
                await socket.HoldAsync();
            },
            app =>
                app.MapGet(
                    "/products/{product}/trades",
                    (HttpContext http, long after, int limit) =>
                    {
                        var page = matches
                            .Where(m => (long)m["trade_id"]! < after)
                            .OrderByDescending(m => (long)m["trade_id"]!)
                            .Take(limit)
                            .Select(m => new JsonObject
                            {
                                ["time"] = (string)m["time"]!,
                                ["trade_id"] = (long)m["trade_id"]!,
                                ["price"] = (string)m["price"]!,
                                ["size"] = (string)m["size"]!,
                                ["side"] = (string)m["side"]!,
                            });
                        return Results.Text(new JsonArray([.. page]).ToJsonString(), "application/json");
                    }
                )
        );
        var listing = new VenueListing(InstrumentRef.Create("coinbase", "SKL", "USD", MarketType.Spot), "SKL-USD", ["1m"]);
        var (trades, connection) = await RunUntilAsync(server, listing, 20 + 5 + 19, options: Fast with { MaxGapTrades = 5 });

        Assert.Equal(ids.Take(25).Concat(ids.Skip(34)), trades.Select(t => t.TradeId));
        Assert.Equal(1, connection.Stats.UnfilledGaps);
        Assert.Equal(5, connection.Stats.BackfilledRecords);
    }

    [Fact]
    public async Task Binance_reconnect_gap_is_filled_from_historical_trades_by_id_in_venue_order()
    {
        const long first = 5_000_000_000;
        var all = Enumerable
            .Range(0, 200)
            .Select(i =>
                (
                    Id: first + i,
                    Price: 60_000m + i * 0.01m,
                    Qty: 0.001m * (i % 7 + 1),
                    TimeMs: 1_735_689_600_000 + i * 10,
                    BuyerMaker: i % 3 == 0
                )
            )
            .ToList();
        var firstFifty = new TaskCompletionSource();
        string Frame(int i)
        {
            var (t, price, qty) = (all[i], Text(all[i].Price), Text(all[i].Qty));
            var maker = t.BuyerMaker ? "true" : "false";
            return $$"""{"stream":"btcusdt@trade","data":{"e":"trade","E":{{t.TimeMs + 1}},"s":"BTCUSDT","t":{{t.Id}},"""
                + $$"""
                    "p":"{{price}}","q":"{{qty}}","T":{{t.TimeMs}},"m":{{maker}},"M":true
                    """
                + "}}";
        }
        static string Text(decimal d) => d.ToString("0.00000000", CultureInfo.InvariantCulture);

        await using var server = await FakeExchangeServer.StartAsync(
            async socket =>
            {
                Assert.StartsWith("/stream?streams=btcusdt@trade/btcusdt@kline_1m", socket.Path);
                if (socket.Number == 1)
                {
                    for (var i = 0; i < 50; i++)
                        await socket.SendAsync(Frame(i));
                    await firstFifty.Task;
                    socket.Drop();
                    return;
                }
                for (var i = 80; i < 150; i++)
                    await socket.SendAsync(Frame(i));
                for (var i = 160; i < 200; i++)
                    await socket.SendAsync(Frame(i));
                await socket.HoldAsync();
            },
            app =>
            {
                app.MapGet(
                    "/api/v3/historicalTrades",
                    (string symbol, long fromId, int limit) =>
                    {
                        Assert.Equal("BTCUSDT", symbol);
                        var page = all.Where(t => t.Id >= fromId)
                            .Take(Math.Min(limit, 7))
                            .Select(t => new JsonObject
                            {
                                ["id"] = t.Id,
                                ["price"] = t.Price.ToString("0.00000000", CultureInfo.InvariantCulture),
                                ["qty"] = t.Qty.ToString("0.00000000", CultureInfo.InvariantCulture),
                                ["quoteQty"] = (t.Price * t.Qty).ToString(CultureInfo.InvariantCulture),
                                ["time"] = t.TimeMs,
                                ["isBuyerMaker"] = t.BuyerMaker,
                                ["isBestMatch"] = true,
                            });
                        return Results.Text(new JsonArray([.. page]).ToJsonString(), "application/json");
                    }
                );
                app.MapGet(
                    "/api/v3/klines",
                    (string symbol, string interval, long startTime, long endTime) =>
                    {
                        // The minute the connection dropped in (its kline was missed too) is the only one in the window.
                        Assert.Equal(("BTCUSDT", "1m"), (symbol, interval));
                        return Results.Text(
                            startTime <= 1_735_689_600_000 && endTime >= 1_735_689_600_000
                                ? """[[1735689600000,"60000.00","60002.00","59999.00","60001.00","0.50000000","""
                                    + """1735689659999,"30000.5",200,"0.2","12000.2","0"]]"""
                                : "[]",
                            "application/json"
                        );
                    }
                );
            }
        );

        var listing = new VenueListing(InstrumentRef.Create("binance", "BTC", "USDT", MarketType.Spot), "BTCUSDT", ["1m"]);
        var (trades, connection) = await RunUntilAsync(server, listing, all.Count, firstFifty, 50);

        // Per instrument the topic holds the trades in venue order: gap fills come before the trade that revealed the gap.
        Assert.Equal(all.Select(t => t.Id), trades.Select(t => t.TradeId));
        Assert.Equal(2, connection.Stats.Gaps);
        // 30 trades missed while disconnected, that minute's kline, and 10 trades skipped on the live link.
        Assert.Equal(30 + 1 + 10, connection.Stats.BackfilledRecords);
        Assert.Equal(0, connection.Stats.UnfilledGaps);
        Assert.All(trades, t => Assert.Equal(all[(int)(t.TradeId - first)].TimeMs * 1000, t.EventTimeUs));
        Assert.All(
            trades,
            t => Assert.Equal(all[(int)(t.TradeId - first)].BuyerMaker ? AggressorSide.Sell : AggressorSide.Buy, t.Aggressor)
        );
    }

    [Fact]
    public async Task Kraken_resubscribe_snapshot_repeats_are_dropped_and_the_gap_is_filled_from_trades_since()
    {
        var baseUs = 1_695_628_177_000_000L;
        var firstTwentyFive = new TaskCompletionSource();
        static string Text(decimal d) => d.ToString(CultureInfo.InvariantCulture);
        var all = Enumerable
            .Range(0, 60)
            .Select(i => (Id: 4_665_900L + i, Price: 26_351.9m + i, Qty: 0.00096412m, Us: baseUs + i * 1000, Buy: i % 2 == 0))
            .ToList();
        string Iso(long us) =>
            DateTimeOffset
                .FromUnixTimeMilliseconds(us / 1000)
                .UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff", CultureInfo.InvariantCulture)
            + (us % 1000).ToString("000")
            + "Z";
        string Trades(string type, IEnumerable<int> idx) =>
            new JsonObject
            {
                ["channel"] = "trade",
                ["type"] = type,
                ["data"] = new JsonArray([
                    .. idx.Select(i =>
                        (JsonNode)
                            JsonNode.Parse(
                                $$"""{"symbol":"BTC/USD","side":"{{(all[i].Buy ? "buy" : "sell")}}","price":"""
                                    + $$"""{{all[i].Price.ToString(CultureInfo.InvariantCulture)}},"qty":"""
                                    + $$"""{{all[i].Qty.ToString(CultureInfo.InvariantCulture)}},"ord_type":"market","trade_id":"""
                                    + $$"""{{all[i].Id}},"timestamp":"{{Iso(all[i].Us)}}"}"""
                            )!
                    ),
                ]),
            }.ToJsonString();

        await using var server = await FakeExchangeServer.StartAsync(
            async socket =>
            {
                var subscribe = JsonNode.Parse(await socket.ReceiveAsync())!;
                Assert.Equal("trade", (string)subscribe["params"]!["channel"]!);
                await socket.SendAsync(
                    """{"method":"subscribe","result":{"channel":"trade","snapshot":true,"symbol":"BTC/USD"},"success":true}"""
                );
                if (socket.Number == 1)
                {
                    await socket.SendAsync(Trades("snapshot", Enumerable.Range(0, 5)));
                    foreach (var i in Enumerable.Range(5, 20))
                        await socket.SendAsync(Trades("update", [i]));
                    await firstTwentyFive.Task;
                    socket.Drop();
                    return;
                }
                // The snapshot on resubscribe repeats recent trades (20-24 were delivered) and then jumps to 40.
                await socket.SendAsync(Trades("snapshot", Enumerable.Range(20, 5).Concat(Enumerable.Range(40, 5))));
                foreach (var i in Enumerable.Range(45, 15))
                    await socket.SendAsync(Trades("update", [i]));
                await socket.SendAsync("""{"channel":"heartbeat"}""");
                await socket.HoldAsync();
            },
            app =>
                app.MapGet(
                    "/0/public/Trades",
                    (string pair, long since) =>
                    {
                        Assert.Equal("XBTUSD", pair);
                        // Trades strictly after "since" (ns), 6 per page, with "last" as the next cursor.
                        var page = all.Where(t => t.Us * 1000 > since).Take(6).ToList();
                        var rows = new JsonArray([
                            .. page.Select(t =>
                            {
                                var (time, side) = ($"{t.Us / 1_000_000}.{t.Us % 1_000_000:000000}", t.Buy ? "b" : "s");
                                return JsonNode.Parse($"""["{Text(t.Price)}","{Text(t.Qty)}",{time},"{side}","m","",{t.Id}]""")!;
                            }),
                        ]);
                        var last = page.Count > 0 ? page[^1].Us * 1000 : since;
                        return Results.Text(
                            new JsonObject
                            {
                                ["error"] = new JsonArray(),
                                ["result"] = new JsonObject { ["XXBTZUSD"] = rows, ["last"] = last.ToString(CultureInfo.InvariantCulture) },
                            }.ToJsonString(),
                            "application/json"
                        );
                    }
                )
        );

        var listing = new VenueListing(InstrumentRef.Create("kraken", "BTC", "USD", MarketType.Spot), "BTC/USD", ["1m"]);
        var (trades, connection) = await RunUntilAsync(server, listing, all.Count, firstTwentyFive, 25);

        Assert.Equal(all.Select(t => t.Id), trades.Select(t => t.TradeId));
        Assert.Equal(5, connection.Stats.DuplicatesDropped);
        Assert.Equal(15, connection.Stats.BackfilledRecords);
        Assert.All(trades, t => Assert.Equal(all[(int)(t.TradeId - 4_665_900)].Us, t.EventTimeUs));
        Assert.All(trades, t => Assert.Equal(all[(int)(t.TradeId - 4_665_900)].Price, t.Price.ToDecimal()));
    }

    [Fact]
    public async Task A_restarted_producer_resumes_after_the_last_trade_in_trades_raw_and_fills_its_downtime()
    {
        const long first = 7_000_000_000;
        string Frame(long id) =>
            $$"""{"stream":"ethusdt@trade","data":{"e":"trade","E":1735689600000,"s":"ETHUSDT","t":{{id}}"""
            + $$""","p":"3300.{{id % 100:00}}","q":"0.5000","T":{{1_735_689_600_000 + (id - first)}},"m":false,"M":true"""
            + "}}";
        await using var server = await FakeExchangeServer.StartAsync(
            async socket =>
            {
                // First run sees 0-19; the producer is then stopped, and the next run's stream starts at 30.
                var (from, to) = socket.Number == 1 ? (0, 20) : (30, 50);
                for (var i = from; i < to; i++)
                    await socket.SendAsync(Frame(first + i));
                await socket.HoldAsync();
            },
            app =>
            {
                app.MapGet("/api/v3/klines", () => Results.Text("[]", "application/json"));
                app.MapGet(
                    "/api/v3/historicalTrades",
                    (long fromId, int limit) =>
                    {
                        var rows = Enumerable
                            .Range(0, 50)
                            .Select(i => first + i)
                            .Where(id => id >= fromId)
                            .Take(limit)
                            .Select(id => new JsonObject
                            {
                                ["id"] = id,
                                ["price"] = $"3300.{id % 100:00}",
                                ["qty"] = "0.5000",
                                ["quoteQty"] = "1",
                                ["time"] = 1_735_689_600_000 + (id - first),
                                ["isBuyerMaker"] = false,
                                ["isBestMatch"] = true,
                            });
                        return Results.Text(new JsonArray([.. rows]).ToJsonString(), "application/json");
                    }
                );
            }
        );
        var listing = new VenueListing(InstrumentRef.Create("binance", "ETH", "USDT", MarketType.Spot), "ETHUSDT", ["1m"]);
        await using var kafka = await TestKafka.StartAsync(partitions: 2);
        using var reader = new TopicReader<Trade>(kafka.Settings, TopicCatalog.RawTrades.Name);

        async Task RunAsync(int until)
        {
            using var publisher = new TopicPublisher(kafka.Settings, "test-live", NullLogger.Instance);
            using var feed = new LiveFeed(
                [listing],
                Fast,
                NullLoggerFactory.Instance,
                _ => new VenueEndpoints(server.WebSocketBase, server.RestBase)
            );
            using var stop = new CancellationTokenSource();
            var run = feed.RunAsync(publisher, stop.Token, resumeFrom: kafka.Settings);
            await Eventually.TrueAsync(
                () => Task.FromResult(run.IsCompleted || reader.Poll().Count >= until),
                TimeSpan.FromSeconds(60),
                $"{until} trades"
            );
            stop.Cancel();
            await run;
        }

        await RunAsync(20);
        await RunAsync(50);
        Assert.Empty(server.Faults);
        Assert.Equal(Enumerable.Range(0, 50).Select(i => first + i), reader.Poll().Select(r => r.Value.TradeId));
        Assert.Equal(10, reader.Records.Count(r => r.Value.Origin == Origin.Backfill));
    }
}
