// Trades of a time range from venue REST history (backfill jobs, issue 16), against fake venues serving native frames.
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Plumbing.Configuration;
using Pipeline.Producers.Venues;
using Pipeline.Schemas.V1;
using Xunit;

namespace Pipeline.Producers.Tests;

public sealed class VenueTradeHistoryTests
{
    [Fact]
    public async Task Okx_trades_of_a_range_are_the_recorded_trades_in_it_oldest_first_across_pages_that_split_a_millisecond()
    {
        // Real recorded OKX v5 BTC-USDT trades (69 consecutive ids over 11 s, several sharing a millisecond).
        var recorded = File.ReadLines(Path.Combine(AppContext.BaseDirectory, "Fixtures", "captures", "okx-trades.jsonl"))
            .Select(l => JsonNode.Parse(l)!.AsObject())
            .Where(f => (string)f["arg"]!["instId"]! == "BTC-USDT")
            .Select(f => f["data"]![0]!.AsObject())
            .ToList();
        long Id(JsonObject t) => long.Parse((string)t["tradeId"]!, CultureInfo.InvariantCulture);
        long Ts(JsonObject t) => long.Parse((string)t["ts"]!, CultureInfo.InvariantCulture);
        var requests = new List<string>();
        await using var server = await FakeExchangeServer.StartAsync(
            _ => Task.CompletedTask,
            app =>
                app.MapGet(
                    "/api/v5/market/history-trades",
                    (string instId, string type, long after, int limit) =>
                    {
                        lock (requests)
                            requests.Add($"{type}:{after}");
                        // Newest first, at most 7 a page: older than "after" by timestamp (type 2) or by trade id (type 1).
                        var page = recorded
                            .Where(t => type == "2" ? Ts(t) < after : Id(t) < after)
                            .OrderByDescending(Id)
                            .Take(Math.Min(limit, 7));
                        return Results.Text(
                            new JsonObject
                            {
                                ["code"] = "0",
                                ["msg"] = "",
                                ["data"] = new JsonArray(page.Select(t => (JsonNode)t.DeepClone()).ToArray()),
                            }.ToJsonString(),
                            "application/json"
                        );
                    }
                )
        );
        var listing = new VenueListing(InstrumentRef.Create("okx", "BTC", "USDT", MarketType.Spot), "BTC-USDT", ["1m"]);
        var (fromMs, toMs) = (Ts(recorded[5]), Ts(recorded[60]));

        var trades = await CollectAsync(VenueRegistry.Default.Get("okx"), server, listing, fromMs * 1000, toMs * 1000);

        var expected = recorded.Where(t => Ts(t) >= fromMs && Ts(t) < toMs).OrderBy(Id).ToList();
        Assert.True(expected.Count > 40, $"{expected.Count} trades in the range");
        Assert.Equal(expected.Select(Id), trades.Select(t => t.TradeId));
        Assert.Equal(
            expected.Select(t => ((string)t["px"]!, (string)t["sz"]!, Ts(t) * 1000)),
            trades.Select(t => (t.Price.ToInvariantString(), t.Size.ToInvariantString(), t.EventTimeUs))
        );
        // The first request asks by time for the window's end, the rest walk back by id.
        Assert.Equal($"2:{toMs}", requests[0]);
        Assert.All(requests.Skip(1), r => Assert.StartsWith("1:", r));
    }

    [Fact]
    public async Task Kraken_trades_of_a_range_are_read_forward_with_the_since_cursor_and_stop_at_the_range_end()
    {
        // Kraken /0/public/Trades rows [price, volume, time, side, order type, misc, trade_id], one trade every 0.25 s.
        var start = 1_735_689_600m; // 2025-01-01T00:00:00Z in seconds
        var venueTrades = Enumerable
            .Range(0, 200)
            .Select(i =>
                (
                    Id: 80_000_000L + i,
                    Time: start + i * 0.25m,
                    Price: $"{93000 + i}.{i % 10}",
                    Volume: $"0.{i + 1:D8}",
                    Side: i % 2 == 0 ? "b" : "s"
                )
            )
            .ToList();
        var sinces = new List<long>();
        await using var server = await FakeExchangeServer.StartAsync(
            _ => Task.CompletedTask,
            app =>
                app.MapGet(
                    "/0/public/Trades",
                    (string pair, long since) =>
                    {
                        lock (sinces)
                            sinces.Add(since);
                        var page = venueTrades.Where(t => (long)(t.Time * 1_000_000_000m) > since).Take(30).ToList();
                        var rows = new JsonArray(
                            page.Select(t =>
                                    (JsonNode)
                                        JsonNode.Parse(
                                            $"""["{t.Price}","{t.Volume}",{t.Time.ToString("0.0000", CultureInfo.InvariantCulture)}"""
                                                + $""","{t.Side}","l","",{t.Id}]"""
                                        )!
                                )
                                .ToArray()
                        );
                        var last = page.Count > 0 ? (long)(page[^1].Time * 1_000_000_000m) : since;
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
        var fromUs = (long)((start + 10m) * 1_000_000m);
        var toUs = (long)((start + 40m) * 1_000_000m);

        var trades = await CollectAsync(VenueRegistry.Default.Get("kraken"), server, listing, fromUs, toUs);

        var expected = venueTrades.Where(t => t.Time >= start + 10m && t.Time < start + 40m).ToList();
        Assert.Equal(120, expected.Count);
        Assert.Equal(
            expected.Select(t => (t.Id, t.Price, t.Volume, t.Side == "b" ? AggressorSide.Buy : AggressorSide.Sell)),
            trades.Select(t => (t.TradeId, t.Price.ToInvariantString(), t.Size.ToInvariantString(), t.Aggressor))
        );
        // Forward from just before the start; no page asked for after the range end was seen.
        Assert.Equal((fromUs - 1) * 1000, sinces[0]);
        Assert.Equal(5, sinces.Count);
    }

    [Fact]
    public async Task Coinbase_trades_of_a_range_start_at_the_id_found_by_searching_and_are_read_forward_by_id()
    {
        // Coinbase /products/{id}/trades rows (side = the maker's side), one trade every 0.1 s, ids 5,000,000..5,004,999.
        var start = new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var venueTrades = Enumerable
            .Range(0, 5000)
            .Select(i =>
                (
                    Id: 5_000_000L + i,
                    Time: start.AddTicks(i * 1_000_000L),
                    Price: $"{93000 + i % 500}.{i % 100:D2}",
                    Size: $"0.{i + 1:D8}",
                    Side: i % 3 == 0 ? "buy" : "sell"
                )
            )
            .ToList();
        var requests = 0;
        await using var server = await FakeExchangeServer.StartAsync(
            _ => Task.CompletedTask,
            app =>
                app.MapGet(
                    "/products/{product}/trades",
                    (string product, int limit, long? after) =>
                    {
                        Interlocked.Increment(ref requests);
                        // Newest first, ids below "after"; at most 300 a page (fewer than the 1000 asked for).
                        var page = venueTrades
                            .Where(t => after is null || t.Id < after)
                            .OrderByDescending(t => t.Id)
                            .Take(Math.Min(limit, 300));
                        var rows = new JsonArray(
                            page.Select(t =>
                                    (JsonNode)
                                        JsonNode.Parse(
                                            $$"""
                                            {"time":"{{t.Time:yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'}}","trade_id":{{t.Id}},
                                            "price":"{{t.Price}}","size":"{{t.Size}}","side":"{{t.Side}}"}
                                            """
                                        )!
                                )
                                .ToArray()
                        );
                        return Results.Text(rows.ToJsonString(), "application/json");
                    }
                )
        );
        var listing = new VenueListing(InstrumentRef.Create("coinbase", "BTC", "USD", MarketType.Spot), "BTC-USD", ["1m"]);
        long Us(DateTime t) => (t - DateTime.UnixEpoch).Ticks / 10;
        var (fromUs, toUs) = (Us(venueTrades[1234].Time), Us(venueTrades[4321].Time));

        var trades = await CollectAsync(VenueRegistry.Default.Get("coinbase"), server, listing, fromUs, toUs);

        var expected = venueTrades.Skip(1234).Take(4321 - 1234).ToList();
        Assert.Equal(
            expected.Select(t => (t.Id, t.Price, t.Size, Us(t.Time), t.Side == "buy" ? AggressorSide.Sell : AggressorSide.Buy)),
            trades.Select(t => (t.TradeId, t.Price.ToInvariantString(), t.Size.ToInvariantString(), t.EventTimeUs, t.Aggressor))
        );
        // The search costs about log2(5,004,999) ≈ 23 requests, then about 4 per 1,000 ids of the range (pages of 300 here).
        Assert.True(requests < 60, $"{requests} requests");
    }

    private static async Task<List<Trade>> CollectAsync(
        IVenue venue,
        FakeExchangeServer server,
        VenueListing listing,
        long fromUs,
        long toUs
    )
    {
        using var guard = new VenueGuard(venue, new ConnectionOptions { RestRequestsPerSecond = 1000 });
        using var http = new HttpClient();
        var history = venue.CreateHistory(new VenueHttp(http, guard, NullLogger.Instance), server.RestBase);
        var trades = new List<Trade>();
        await foreach (var page in history.TradePagesAsync(listing, fromUs, toUs, default))
            trades.AddRange(page);
        return trades;
    }
}
