// Runs TWAP ingests from the configuration: once (the CLI) or on the Twap:Every schedule (inside `pipeline up`).
using Amazon.Runtime;
using Microsoft.Extensions.Logging;
using Npgsql;
using Pipeline.Plumbing;
using Pipeline.Plumbing.Configuration;
using Pipeline.Plumbing.Errors;
using Pipeline.Plumbing.ObjectStorage;

namespace Pipeline.Producers.Twap;

public static class TwapIngestRole
{
    /// <summary>One run. S3 is only touched when the request is not a local file.</summary>
    public static async Task<TwapIngestResult> RunOnceAsync(
        PipelineContext context,
        TwapIngestRequest request,
        IProgress<TwapIngestProgress>? progress,
        CancellationToken ct
    )
    {
        var log = context.LoggerFactory.CreateLogger("twap-ingest");
        var twap = context.Options.Twap;
        if (request.LocalFile is null && !twap.IsConfigured)
            throw new InvalidRequestException(
                "no TWAP bucket configured: set Twap:Bucket (PIPELINE__TWAP__BUCKET), or ingest a file with --local-file PATH"
            );
        await using var db = NpgsqlDataSource.Create(context.RequireDatabase());
        using var publisher = new TwapPublisher(context.Kafka, log);
        using var s3 = request.LocalFile is null ? S3ClientFactory.Create(context.Options.S3, TimeSpan.FromSeconds(30)) : null;
        // Our retry policy (3 attempts, backoff with jitter, transient errors only) is the only one: the SDK's own is off.
        if (s3?.Config is ClientConfig config)
            config.MaxErrorRetry = 0;
        var store = s3 is null ? null : new TwapObjectStore(s3, twap.Bucket!, twap.Prefix, twap.RequesterPays, log);
        var job = new TwapIngestJob(store, new TwapIngestLog(db), publisher, log);
        return await job.RunAsync(request, progress, ct);
    }

    /// <summary>Incremental ingests every Twap:Every until cancelled; a failed run is logged and the schedule goes on.</summary>
    public static async Task RunScheduledAsync(PipelineContext context, CancellationToken ct)
    {
        var every =
            context.Options.Twap.Schedule
            ?? throw new PipelineConfigurationException(["configuration: Twap:Every is not set; e.g. PIPELINE__TWAP__EVERY=24h"]);
        var log = context.LoggerFactory.CreateLogger("twap-ingest");
        log.LogInformation(
            "TWAP ingest scheduled every {Every} from s3://{Bucket}/{Prefix}",
            every,
            context.Options.Twap.Bucket,
            context.Options.Twap.Prefix
        );
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var r = await RunOnceAsync(context, new TwapIngestRequest(), null, ct);
                log.LogInformation(
                    "TWAP ingest: {Ingested} objects ingested, {Skipped} unchanged, {Failed} failed, {Rows} rows",
                    r.ObjectsIngested,
                    r.ObjectsSkipped,
                    r.Failures.Count,
                    r.RowsPublished
                );
            }
            catch (Exception e) when (!ct.IsCancellationRequested && e is not OutOfMemoryException)
            {
                log.LogError("TWAP ingest run failed (next run in {Every}): {Message}", every, e.Message);
            }
            // The schedule itself: the next daily (or configured) increment.
            try
            {
                await Task.Delay(every, ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
