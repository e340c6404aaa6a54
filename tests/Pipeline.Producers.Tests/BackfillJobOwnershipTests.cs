// Issue 16 leftover "multiple producers each run every job": with two producers processes on one Kafka, each backfill job
// is run by exactly one of them (the owner of backfill.jobs' partition in a consumer group), and the other takes over
// when the owner stops.
using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Plumbing.Topics;
using Pipeline.Producers.Backfill;
using Pipeline.Producers.Publishing;
using Pipeline.Schemas.V1;
using Pipeline.Testing;
using Xunit;
using static Pipeline.Producers.Tests.BackfillJobFixture;

namespace Pipeline.Producers.Tests;

public sealed class BackfillJobOwnershipTests
{
    [Fact]
    public async Task Two_producers_run_one_job_once_and_the_other_takes_over_when_the_owner_stops()
    {
        // The venue's 1m klines of 2025-01-01; every request is recorded to count how often each window was asked for.
        var requests = new ConcurrentQueue<long>();
        await using var server = await FakeExchangeServer.StartAsync(
            _ => Task.CompletedTask,
            app =>
                app.MapGet(
                    "/api/v3/klines",
                    (string symbol, string interval, long startTime, long endTime, int limit) =>
                    {
                        requests.Enqueue(startTime);
                        var rows = new JsonArray();
                        for (
                            var t = startTime - startTime % 60_000;
                            t <= endTime && t < Jan1Ms + 86_400_000 && rows.Count < Math.Min(limit, 200);
                            t += 60_000
                        )
                        {
                            if (t < startTime)
                                continue;
                            rows.Add(JsonNode.Parse(KlineRow(t)));
                        }
                        return Results.Text(rows.ToJsonString(), "application/json");
                    }
                )
        );
        await using var kafka = await TestKafka.StartAsync(partitions: 1);
        using var publisher = new TopicPublisher(kafka.Settings, "test-jobs", NullLogger.Instance);
        var group = "test-owners-" + Guid.NewGuid().ToString("N");

        using var ownershipA = new BackfillJobOwnership(kafka.Settings, NullLogger.Instance, group);
        using var ownershipB = new BackfillJobOwnership(kafka.Settings, NullLogger.Instance, group);
        using var a = Runner(kafka, publisher, server, ownership: ownershipA);
        using var b = Runner(kafka, publisher, server, ownership: ownershipB);
        using var stopA = new CancellationTokenSource();
        using var stopB = new CancellationTokenSource();
        var runA = a.RunAsync(stopA.Token);
        var runB = b.RunAsync(stopB.Token);
        await Eventually.TrueAsync(() => Task.FromResult(ownershipA.Owned || ownershipB.Owned), TimeSpan.FromSeconds(30), "an owner");
        Assert.False(ownershipA.Owned && ownershipB.Owned);

        await a.PublishAsync(Job("job-1", Jan1Ms, Jan1Ms + 6 * 3_600_000, "1m"), default);
        var done = await FinishedAsync(a, "job-1");
        await FinishedAsync(b, "job-1");

        Assert.Equal(BackfillState.Succeeded, done.State);
        Assert.Equal(360, done.Parts[0].Rows);
        // One process ran it: each window was asked for once, and only the owner started a job.
        Assert.Equal(requests.Count, requests.Distinct().Count());
        Assert.Equal(1, a.JobRuns + b.JobRuns);
        var (owner, stopOwner, runOwner, other, otherOwnership) = ownershipA.Owned
            ? (a, stopA, runA, b, ownershipB)
            : (b, stopB, runB, a, ownershipA);
        Assert.Equal(1, owner.JobRuns);

        // The owner stops (leaves the group): the other process now owns the jobs and runs the next one.
        stopOwner.Cancel();
        await runOwner;
        await Eventually.TrueAsync(() => Task.FromResult(otherOwnership.Owned), TimeSpan.FromSeconds(30), "the other process to take over");
        var before = requests.Count;
        await other.PublishAsync(Job("job-2", Jan1Ms + 6 * 3_600_000, Jan1Ms + 7 * 3_600_000, "1m"), default);
        var second = await FinishedAsync(other, "job-2");
        Assert.Equal((BackfillState.Succeeded, 60L), (second.State, second.Parts[0].Rows));
        Assert.Equal(1, other.JobRuns);
        Assert.True(requests.Count > before);

        (ownershipA.Owned ? stopA : stopB).Cancel();
        await Task.WhenAll(runA, runB);
        using var reader = new TopicReader<Candle>(kafka.Settings, TopicCatalog.RawExchangeCandles.Name);
        var candles = await reader.ReadAtLeastAsync(420, TimeSpan.FromSeconds(30), "420 candles");
        // Every minute of the two jobs once: nothing fetched or published twice.
        Assert.Equal(420, candles.Select(c => c.Value.OpenTimeUs).Distinct().Count());
        Assert.Equal(420, candles.Count);
    }
}
