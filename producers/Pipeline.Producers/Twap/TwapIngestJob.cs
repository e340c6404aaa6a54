// `pipeline twap ingest`: selects objects (incremental, --since, --object-key, --local-file), skips versions already
// ingested, and ingests each object on its own: read, publish in one Kafka transaction, record in the ingest log.
using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Pipeline.Plumbing.Configuration;
using Pipeline.Plumbing.Errors;

namespace Pipeline.Producers.Twap;

public sealed class TwapIngestJob(TwapObjectStore? store, TwapIngestLog ingestLog, TwapPublisher publisher, ILogger log)
{
    private static readonly Meter Meter = new("Pipeline.Producers.Twap");
    private static readonly Counter<long> ObjectsProcessed = Meter.CreateCounter<long>(
        "pipeline_twap_objects_processed",
        description: "TWAP objects ingested"
    );
    private static readonly Counter<long> ObjectsFailed = Meter.CreateCounter<long>(
        "pipeline_twap_objects_failed",
        description: "TWAP objects that failed (bad content or S3 unavailable)"
    );
    private static readonly Counter<long> RowsIngested = Meter.CreateCounter<long>(
        "pipeline_twap_rows_ingested",
        description: "TWAP status rows published to twap.statuses"
    );
    private static long _newestIngestedUs;
    private static readonly ObservableGauge<double> NewestLag = Meter.CreateObservableGauge(
        "pipeline_twap_newest_object_lag_seconds",
        () =>
            Interlocked.Read(ref _newestIngestedUs) is var us and > 0
                ? (DateTime.UtcNow - DateTime.UnixEpoch.AddTicks(us * 10)).TotalSeconds
                : double.NaN,
        unit: "s",
        description: "Age of the newest ingested object (now - its last-modified time)"
    );

    public async Task<TwapIngestResult> RunAsync(TwapIngestRequest request, IProgress<TwapIngestProgress>? progress, CancellationToken ct)
    {
        _ = NewestLag;
        var result = new TwapIngestResult();
        if (request.LocalFile is { } file)
        {
            result.ObjectsSelected = 1;
            var bytes = await File.ReadAllBytesAsync(file, ct);
            var info = new TwapObjectInfo(
                "file:" + Path.GetFullPath(file),
                Convert.ToHexStringLower(SHA256.HashData(bytes)),
                File.GetLastWriteTimeUtc(file),
                bytes.Length
            );
            var known = await ingestLog.LoadAsync(ct);
            if (Unchanged(known, info))
            {
                result.ObjectsSkipped++;
                return result;
            }
            progress?.Report(new(1, 0, info.Key, 0));
            await IngestAsync(info, () => Task.FromResult((new MemoryStream(bytes), info)), result, ct);
            progress?.Report(new(1, 1, null, result.RowsPublished));
            return result;
        }
        if (store is null)
            throw new PipelineConfigurationException(["configuration: no S3 source configured: set Twap:Bucket (PIPELINE__TWAP__BUCKET)"]);

        List<TwapObjectInfo> objects;
        if (request.ObjectKey is { } key)
        {
            var full = key.StartsWith(store.Prefix, StringComparison.Ordinal) ? key : store.Prefix + key;
            objects = [await store.HeadAsync(full, ct)];
        }
        else
        {
            objects = await store.ListAsync(ct);
            if (request.Since is { } since)
                objects = objects.Where(o => o.LastModified >= since).ToList();
        }
        var log0 = await ingestLog.LoadAsync(ct);
        var todo = objects.Where(o => !Unchanged(log0, o)).ToList();
        result.ObjectsSelected = objects.Count;
        result.ObjectsSkipped = objects.Count - todo.Count;
        log.LogInformation(
            "TWAP ingest: {Selected} objects selected under s3://{Bucket}/{Prefix}, {Todo} to ingest, {Skipped} unchanged",
            objects.Count,
            store.Bucket,
            store.Prefix,
            todo.Count,
            result.ObjectsSkipped
        );
        for (var i = 0; i < todo.Count; i++)
        {
            progress?.Report(new(todo.Count, i, todo[i].Key, result.RowsPublished));
            var o = todo[i];
            await IngestAsync(o, () => store.GetAsync(o.Key, ct), result, ct);
        }
        progress?.Report(new(todo.Count, todo.Count, null, result.RowsPublished));
        if (await ingestLog.NewestIngestedAsync(ct) is { } newest)
            Interlocked.Exchange(ref _newestIngestedUs, (newest.UtcTicks - DateTime.UnixEpoch.Ticks) / 10);
        return result;
    }

    /// <summary>Already ingested in this version, or already failed on this version's content: nothing to do.</summary>
    private static bool Unchanged(Dictionary<string, TwapIngestLog.Entry> known, TwapObjectInfo o) =>
        known.TryGetValue(o.Key, out var e) && e.ETag == o.ETag && e.State is "ingested" or "failed";

    /// <summary>One object, isolated: any failure is recorded against it and the run goes on with the next.</summary>
    private async Task IngestAsync(
        TwapObjectInfo listed,
        Func<Task<(MemoryStream Content, TwapObjectInfo Info)>> read,
        TwapIngestResult result,
        CancellationToken ct
    )
    {
        var info = listed;
        try
        {
            var (content, read0) = await read();
            info = read0;
            await using (content)
            {
                var generation = await ingestLog.BeginAsync(info, ct);
                TwapParquetContent rows;
                try
                {
                    rows = await TwapParquetReader.ReadAsync(content, info.Key, generation, ct);
                }
                catch (InputFormatException e)
                {
                    await Fail(info, retry: false, $"{info.Key}: {e.Message}", result, ct);
                    return;
                }
                await publisher.PublishAsync(info, generation, rows, ct);
                var note =
                    rows.Rejected.Count == 0
                        ? null
                        : $"{rows.Rejected.Count} row(s) rejected to the deadletter topic, first: row {rows.Rejected[0].Row}: "
                            + $"{rows.Rejected[0].Reason}";
                await ingestLog.IngestedAsync(info, rows.Rows.Count, note, ct);
                result.ObjectsIngested++;
                result.RowsPublished += rows.Rows.Count;
                result.RowsRejected += rows.Rejected.Count;
                ObjectsProcessed.Add(1);
                RowsIngested.Add(rows.Rows.Count);
                log.LogInformation(
                    "TWAP object {Key} (ETag {ETag}, generation {Generation}): {Rows} rows published{Rejected}",
                    info.Key,
                    info.ETag,
                    generation,
                    rows.Rows.Count,
                    rows.Rejected.Count > 0 ? $", {rows.Rejected.Count} rejected" : ""
                );
            }
        }
        catch (TwapSourceException e)
        {
            await Fail(info, retry: e.Transient, e.Message, result, ct);
        }
    }

    private async Task Fail(TwapObjectInfo info, bool retry, string error, TwapIngestResult result, CancellationToken ct)
    {
        ObjectsFailed.Add(1);
        result.Failures.Add((info.Key, error));
        log.LogWarning("TWAP object {Key} skipped ({State}): {Error}", info.Key, retry ? "unavailable, retried next run" : "failed", error);
        await ingestLog.FailedAsync(info, retry, error, ct);
    }
}
