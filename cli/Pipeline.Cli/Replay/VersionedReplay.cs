// A replay that ends in PostgreSQL (ADR 0006): runs the replay engine (processors) and the version's sink stage (sinks)
// side by side in this process and keeps data_versions up to date (running, progress, complete or failed), so when it
// returns complete, the version's rows are all in the database and it can be promoted. Roles stay apart: this is the
// CLI composing them, as `pipeline up` does.
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Npgsql;
using Pipeline.Plumbing.Database;
using Pipeline.Plumbing.Kafka;
using Pipeline.Processors.Replay;
using Pipeline.Schemas;
using Pipeline.Sinks;

namespace Pipeline.Cli.Replay;

public static class VersionedReplay
{
    private static readonly TimeSpan ProgressEvery = TimeSpan.FromSeconds(1);

    /// <summary>Runs <paramref name="job"/> with its version sink. Complete: the rows are in PostgreSQL and the version is
    /// complete. Interrupted (cancelled): the version is marked failed with how to resume; running the same replay again
    /// resumes both the engine and the sink exactly where they committed.</summary>
    public static async Task<ReplayResult> RunAsync(
        KafkaClientSettings kafka,
        string database,
        ReplayJob job,
        IProgress<ReplayProgress>? progress,
        ILoggerFactory loggers,
        CancellationToken ct
    )
    {
        var log = loggers.CreateLogger("replay");
        var plan = job.Plan;
        var version = DataVersion.Parse(plan.Version);
        await using var db = NpgsqlDataSource.Create(database);
        var store = new DataVersionStore(db);
        await store.StartAsync(
            version,
            new UnixMicros(plan.FromUs).ToDateTime(),
            new UnixMicros(plan.ToUs).ToDateTime(),
            plan.Instruments,
            plan.Intervals,
            Configuration(plan),
            plan.Total,
            ct
        );

        var sink = new VersionSink(kafka, database, version, loggers);
        using var stopSink = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var sinkRun = sink.RunAsync(stopSink.Token);
        using var stopReplay = CancellationTokenSource.CreateLinkedTokenSource(ct);
        // A sink that fails stops the replay too: a version whose rows cannot be written must not look complete.
        _ = sinkRun.ContinueWith(_ => stopReplay.Cancel(), TaskContinuationOptions.OnlyOnFaulted);
        var latest = new LatestProgress(progress);
        using var reporter = new PeriodicTimer(ProgressEvery);
        var reporting = ReportAsync(store, version, latest, reporter, log);
        ReplayResult result;
        try
        {
            result = await job.RunAsync(latest, stopReplay.Token);
            if (sinkRun.IsFaulted)
                await sinkRun; // rethrows the sink's failure
            if (result.Complete)
            {
                // The engine committed its last output: the sink finishes once everything up to the topics' ends is written.
                sink.Finish();
                await sinkRun;
            }
            else
            {
                await stopSink.CancelAsync();
                await sinkRun;
            }
        }
        catch (Exception e)
        {
            await stopSink.CancelAsync();
            try
            {
                await sinkRun;
            }
            catch (Exception)
            { /* the first failure is the one reported */
            }
            reporter.Dispose();
            await reporting;
            await store.FailAsync(
                version,
                e is OperationCanceledException ? "interrupted; run the same replay again to resume" : e.Message,
                CancellationToken.None
            );
            throw;
        }
        reporter.Dispose();
        await reporting;
        if (result.Complete)
            await store.CompleteAsync(version, result.Records, CancellationToken.None);
        else
            await store.FailAsync(
                version,
                $"interrupted after {result.Records:N0} of {plan.Total:N0} records; run the same replay again to resume",
                CancellationToken.None
            );
        return result;
    }

    /// <summary>The processing configuration recorded with the version (GET /versions shows it).</summary>
    private static string Configuration(ReplayPlan plan) =>
        JsonSerializer.Serialize(
            new
            {
                input = plan.Input,
                revalidate = plan.Revalidate,
                indicators = plan.Indicators,
                allowed_lateness_ms = plan.AllowedLatenessMs,
                revision_horizon_ms = plan.RevisionHorizonMs,
                max_clock_skew_ms = plan.MaxClockSkewMs,
                dedupe_window = plan.DedupeWindow,
                price_jump_fraction = plan.PriceJumpFraction,
            }
        );

    private static async Task ReportAsync(
        DataVersionStore store,
        DataVersion version,
        LatestProgress latest,
        PeriodicTimer timer,
        ILogger log
    )
    {
        long written = -1;
        while (await timer.WaitForNextTickAsync())
        {
            if (latest.Value is not { } p || p.Records == written)
                continue;
            try
            {
                await store.ProgressAsync(version, p.Records);
                written = p.Records;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                log.LogWarning("Replay {Version}: progress not recorded ({Message}); the replay goes on", version, e.Message);
            }
        }
    }

    /// <summary>Passes progress on and keeps the latest for the database (written once a second, not per report).</summary>
    private sealed class LatestProgress(IProgress<ReplayProgress>? next) : IProgress<ReplayProgress>
    {
        private volatile ReplayProgress? _value;
        public ReplayProgress? Value => _value;

        public void Report(ReplayProgress value)
        {
            _value = value;
            next?.Report(value);
        }
    }
}
