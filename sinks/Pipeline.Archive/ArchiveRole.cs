// Runs the archive sink until cancelled (the `pipeline` CLI's entry point into it): one writer per dataset.
using System.Net;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Logging;
using Pipeline.Plumbing;
using Pipeline.Plumbing.Configuration;
using Pipeline.Plumbing.Health;
using Pipeline.Plumbing.ObjectStorage;

namespace Pipeline.Archive;

public static class ArchiveRole
{
    public static async Task RunAsync(PipelineContext context, CancellationToken ct)
    {
        var o = context.Options;
        if (!o.S3.IsConfigured)
            throw new PipelineConfigurationException([
                "configuration: S3:Bucket is not set; give the archive a bucket with PIPELINE__S3__BUCKET (and "
                    + "PIPELINE__S3__ENDPOINT for a non-AWS store)",
            ]);
        var log = context.LoggerFactory.CreateLogger("archive");
        // /ready of this process (the API in `pipeline up`, --metrics-port of `pipeline archive`) says when data is held.
        RoleReadiness.Register("archive", ArchiveStatus.NotReadyReason);
        using var client = S3ClientFactory.Create(o.S3);
        await CheckBucketAsync(client, o.S3, ct);
        var store = new ArchiveStore(client, o.S3.Bucket!, o.Archive.MultipartThresholdBytes);
        var layout = new ArchiveLayout(o.S3.Prefix);
        var settings = new ArchiveSettings
        {
            ConsumerName = o.Archive.ConsumerName,
            RollBytes = o.Archive.RollBytes,
            RollInterval = TimeSpan.FromSeconds(o.Archive.RollSeconds),
            RetryMaxBackoff = TimeSpan.FromMilliseconds(o.Archive.RetryMaxBackoffMs),
        };
        var writers = ArchiveDataset
            .All.Select(d => new ArchiveWriter(d, context.Kafka, store, layout, settings, log).RunAsync(ct))
            .ToList();
        if (o.Archive.CompactClosedDaysAfterSeconds > 0)
            writers.Add(
                CompactClosedDaysAsync(
                    new ArchiveCompactor(store, layout, log),
                    TimeSpan.FromSeconds(o.Archive.CompactClosedDaysAfterSeconds),
                    TimeSpan.FromSeconds(o.Archive.CompactCheckSeconds),
                    log,
                    ct
                )
            );
        await Task.WhenAll(writers);
    }

    /// <summary>Beside the writers: every <paramref name="every"/>, the days closed for <paramref name="after"/> are compacted
    /// (ArchiveCompactor: only complete segments, exactly once across crashes; a segment still being written waits for the
    /// next round). A failure (S3 down) is logged and retried next round; it never stops the writers.</summary>
    private static async Task CompactClosedDaysAsync(
        ArchiveCompactor compactor,
        TimeSpan after,
        TimeSpan every,
        ILogger log,
        CancellationToken ct
    )
    {
        using var timer = new PeriodicTimer(every);
        try
        {
            do
            {
                var now = DateTime.UtcNow;
                foreach (var dataset in ArchiveDataset.All)
                {
                    try
                    {
                        var result = await compactor.CompactAsync(dataset, day => ArchiveCompactor.IsClosed(day, now, after), ct);
                        if (result.FilesMerged > 0)
                            log.LogInformation(
                                "Archive compaction of {Dataset}: {Files} files merged into {Folders} day files ({Rows} rows)",
                                dataset.Name,
                                result.FilesMerged,
                                result.Folders,
                                result.Rows
                            );
                    }
                    catch (Exception e) when (!ct.IsCancellationRequested)
                    {
                        log.LogWarning(
                            e,
                            "Archive compaction of {Dataset} failed; retried in {Seconds} s",
                            dataset.Name,
                            every.TotalSeconds
                        );
                    }
                }
            } while (await timer.WaitForNextTickAsync(ct));
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
    }

    /// <summary>A missing bucket or refused credentials are configuration faults (one line); an unreachable store is not
    /// (the writers hold and retry until it answers).</summary>
    private static async Task CheckBucketAsync(IAmazonS3 client, S3Options s3, CancellationToken ct)
    {
        try
        {
            await client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = s3.Bucket, MaxKeys = 1 }, ct);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            throw new PipelineConfigurationException([
                $"configuration: S3 bucket '{s3.Bucket}' does not exist at {s3.Endpoint ?? "AWS " + s3.EffectiveRegion}; "
                    + "create it or fix PIPELINE__S3__BUCKET",
            ]);
        }
        catch (AmazonS3Exception e) when (e.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized)
        {
            throw new PipelineConfigurationException([
                $"configuration: S3 refused the credentials for bucket '{s3.Bucket}' ({e.ErrorCode}); "
                    + "fix PIPELINE__S3__ACCESSKEY/SECRETKEY (or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)",
            ]);
        }
        catch (Exception e) when (e is not AmazonS3Exception && !ct.IsCancellationRequested)
        {
            // Unreachable right now: start anyway, the writers retry with backoff and readiness reports it.
        }
    }
}
