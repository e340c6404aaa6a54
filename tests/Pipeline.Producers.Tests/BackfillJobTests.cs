// Backfill jobs (issue 16): trades of a time range over REST, resumed after a restart from the job's record on
// backfill.jobs; the catch-up fills only what it has not fetched yet and records the venue's own gaps, not retrying them.
using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Plumbing.Configuration;
using Pipeline.Plumbing.Topics;
using Pipeline.Producers.Backfill;
using Pipeline.Producers.Publishing;
using Pipeline.Schemas.V1;
using Pipeline.Testing;
using Xunit;
using static Pipeline.Producers.Tests.BackfillJobFixture;

namespace Pipeline.Producers.Tests;

public sealed class BackfillJobTests
{
    [Fact]
    public async Task A_trade_backfill_stopped_by_a_restart_resumes_from_its_record_and_publishes_every_trade_of_the_range()
    {
        // The venue's trades, one a second from 2025-01-01T00:00:00Z, ids 1000..3499, as /api/v3/historicalTrades serves them.
        var trades = Enumerable
            .Range(0, 2500)
            .Select(i =>
                (
                    Id: 1000L + i,
                    TimeMs: Jan1Ms + i * 1000L,
                    Price: (93000m + i / 100m).ToString("0.00000000", CultureInfo.InvariantCulture),
                    Qty: $"0.{i + 1:D8}",
                    BuyerMaker: i % 3 == 0
                )
            )
            .ToList();
        var fromIds = new ConcurrentQueue<long>();
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await FakeExchangeServer.StartAsync(
            _ => Task.CompletedTask,
            app =>
            {
                app.MapGet(
                    "/api/v3/aggTrades",
                    (string symbol, long startTime, long endTime, int limit) =>
                    {
                        // Aggregate trades here hold one trade each; "f" is the first trade id of the aggregate.
                        var rows = new JsonArray();
                        foreach (var t in trades.Where(t => t.TimeMs >= startTime && t.TimeMs <= endTime).Take(limit))
                            rows.Add(
                                JsonNode.Parse(
                                    $$"""{"a":{{t.Id + 500_000}},"p":"{{t.Price}}","q":"{{t.Qty}}","f":{{t.Id}},"l":{{t.Id}},"T":"""
                                        + $$"""{{t.TimeMs}},"m":{{(t.BuyerMaker ? "true" : "false")}},"M":true}"""
                                )
                            );
                        return Results.Text(rows.ToJsonString(), "application/json");
                    }
                );
                app.MapGet(
                    "/api/v3/historicalTrades",
                    async (string symbol, long fromId, int limit) =>
                    {
                        fromIds.Enqueue(fromId);
                        // The first run is stopped while it waits for its third page.
                        if (fromIds.Count == 3 && !release.Task.IsCompleted)
                        {
                            held.TrySetResult();
                            await release.Task;
                        }
                        var rows = new JsonArray();
                        foreach (var t in trades.Where(t => t.Id >= fromId).Take(Math.Min(limit, 500)))
                            rows.Add(
                                JsonNode.Parse(
                                    $$"""{"id":{{t.Id}},"price":"{{t.Price}}","qty":"{{t.Qty}}","quoteQty":"1.0","time":"""
                                        + $$"""{{t.TimeMs}},"isBuyerMaker":{{(t.BuyerMaker ? "true" : "false")}},"isBestMatch":true}"""
                                )
                            );
                        return Results.Text(rows.ToJsonString(), "application/json");
                    }
                );
            }
        );
        await using var kafka = await TestKafka.StartAsync(partitions: 1);
        using var publisher = new TopicPublisher(kafka.Settings, "test-jobs", NullLogger.Instance);
        var job = Job("job-1", Jan1Ms + 100_000, Jan1Ms + 2_300_000, "trades");

        using (var first = Runner(kafka, publisher, server))
        using (var stop = new CancellationTokenSource())
        {
            var run = first.RunAsync(stop.Token);
            await first.Jobs.CaughtUp;
            await first.PublishAsync(job, default);
            await held.Task;
            stop.Cancel();
            await run;
        }
        release.SetResult();
        var requestsBefore = fromIds.Count;

        using var second = Runner(kafka, publisher, server);
        using var stop2 = new CancellationTokenSource();
        var run2 = second.RunAsync(stop2.Token);
        var done = await FinishedAsync(second, "job-1", "the job to finish after the restart");
        stop2.Cancel();
        await run2;

        Assert.Equal(BackfillState.Succeeded, done.State);
        // Two pages (ids 1100..2099) were acknowledged before the stop: the restart continues at the last of them.
        Assert.Equal(2099, fromIds.ElementAt(requestsBefore));
        var expected = trades.Where(t => t.TimeMs >= Jan1Ms + 100_000 && t.TimeMs < Jan1Ms + 2_300_000).ToList();
        using var reader = new TopicReader<Trade>(kafka.Settings, TopicCatalog.RawTrades.Name);
        var published = (
            await Eventually.GetAsync(
                () => Task.FromResult(reader.Poll()),
                r => r.Select(x => x.Value.TradeId).Distinct().Count() >= expected.Count,
                TimeSpan.FromSeconds(30),
                "every trade of the range"
            )
        )
            .Select(r => r.Value)
            .ToList();
        Assert.Equal(expected.Select(t => t.Id), published.Select(t => t.TradeId).Distinct().Order());
        // Only the trade at the resume point is repeated (dropped by id downstream); nothing outside the range.
        Assert.Equal(expected.Count + 1, published.Count);
        var byId = published.GroupBy(t => t.TradeId).ToDictionary(g => g.Key, g => g.First());
        Assert.All(
            expected,
            t =>
            {
                var p = byId[t.Id];
                Assert.Equal(
                    (t.Price, t.Qty, t.TimeMs * 1000, t.BuyerMaker ? AggressorSide.Sell : AggressorSide.Buy, Origin.Backfill),
                    (p.Price.ToInvariantString(), p.Size.ToInvariantString(), p.EventTimeUs, p.Aggressor, p.Origin)
                );
            }
        );
        Assert.Equal(expected.Count + 1, done.Parts[0].Rows);
    }

    [Fact]
    public async Task Catch_up_marks_the_venue_maintenance_gap_and_the_next_run_fetches_only_what_is_new()
    {
        // The venue's 1m klines of 2025-01-01 and the first hour of 01-02, with no klines 03:00-05:30 (a maintenance halt).
        var haltFrom = Jan1Ms + 3 * 3_600_000;
        var haltTo = Jan1Ms + 5 * 3_600_000 + 30 * 60_000;
        var klineRequests = new ConcurrentQueue<(long Start, long End)>();
        await using var server = await FakeExchangeServer.StartAsync(
            _ => Task.CompletedTask,
            app =>
                app.MapGet(
                    "/api/v3/klines",
                    (string symbol, string interval, long startTime, long endTime, int limit) =>
                    {
                        klineRequests.Enqueue((startTime, endTime));
                        var rows = new JsonArray();
                        for (
                            var t = (startTime + 59_999) / 60_000 * 60_000;
                            t <= endTime && t < Jan1Ms + 25 * 3_600_000 && rows.Count < limit;
                            t += 60_000
                        )
                        {
                            if (t >= haltFrom && t < haltTo)
                                continue;
                            rows.Add(JsonNode.Parse(KlineRow(t)));
                        }
                        return Results.Text(rows.ToJsonString(), "application/json");
                    }
                )
        );
        await using var kafka = await TestKafka.StartAsync(partitions: 1);
        using var publisher = new TopicPublisher(kafka.Settings, "test-catch-up", NullLogger.Instance);
        var options = new BackfillOptions { CatchUpStart = "2025-01-01" };
        var clock = new MovableClock(DateTimeOffset.FromUnixTimeMilliseconds(Jan1Ms + 24 * 3_600_000 + 30_000));

        BackfillJob first;
        using (var runner = Runner(kafka, publisher, server, clock))
        using (var stop = new CancellationTokenSource())
        {
            var run = runner.RunAsync(stop.Token);
            await Task.WhenAll(runner.Jobs.CaughtUp, runner.Coverage.CaughtUp);
            first = runner.CatchUpJob(options)!;
            await runner.PublishAsync(first, default);
            first = await FinishedAsync(runner, first.Id);
            stop.Cancel();
            await run;
        }
        Assert.Equal(BackfillState.Succeeded, first.State);
        var gap = Assert.Single(first.Parts[0].VenueGaps);
        Assert.Equal((haltFrom * 1000, haltTo * 1000), (gap.FromUs, gap.ToUs));

        using var candles = new TopicReader<Candle>(kafka.Settings, TopicCatalog.RawExchangeCandles.Name);
        var opens = (await candles.ReadAtLeastAsync(1440 - 150, TimeSpan.FromSeconds(30), "the day's candles"))
            .Select(r => r.Value.OpenTimeUs / 1000)
            .ToList();
        Assert.Equal(Enumerable.Range(0, 1440).Select(i => Jan1Ms + i * 60_000L).Where(t => t < haltFrom || t >= haltTo), opens);

        // An hour later, after a restart of the producers: the new run starts where the last one ended.
        clock.Now += TimeSpan.FromHours(1);
        var before = klineRequests.Count;
        using (var runner = Runner(kafka, publisher, server, clock))
        using (var stop = new CancellationTokenSource())
        {
            var run = runner.RunAsync(stop.Token);
            await Task.WhenAll(runner.Jobs.CaughtUp, runner.Coverage.CaughtUp);
            Assert.True(runner.Coverage.TryGet(BackfillJobRunner.CoverageKey(Listings.All[0].Instrument, "1m"), out var coverage));
            Assert.Equal((Jan1Ms + 24 * 3_600_000) * 1000, coverage.ThroughUs);
            var next = runner.CatchUpJob(options)!;
            Assert.Equal((Jan1Ms + 24 * 3_600_000) * 1000, Assert.Single(next.Parts).CursorUs);
            await runner.PublishAsync(next, default);
            next = await FinishedAsync(runner, next.Id);
            Assert.Equal(60, next.Parts[0].Rows);
            Assert.Empty(next.Parts[0].VenueGaps);
            stop.Cancel();
            await run;
        }
        // The venue's gap was not asked for again.
        Assert.All(klineRequests.Skip(before), r => Assert.True(r.Start >= Jan1Ms + 24 * 3_600_000, $"request from {r.Start}"));
    }

    private sealed class MovableClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
