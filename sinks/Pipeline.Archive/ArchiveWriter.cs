// Archives one dataset's topic to Parquet on S3, exactly once. Per partition, records are gathered into a segment
// [Start, LastOffset]; a sealed segment is written as one file per Hive folder, named from the segment's offsets.
// Order per segment: manifest, then files, then the Kafka commit. On start each partition resumes after the last
// complete manifest; a manifest whose files are missing (a crash mid-upload) is rewritten with the same offsets,
// so the same objects are replaced, never duplicated. While S3 refuses, the segment is held and retried.
using Amazon.S3;
using Confluent.Kafka;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Pipeline.Plumbing.Errors;
using Pipeline.Plumbing.Kafka;
using Pipeline.Plumbing.Resilience;
using Pipeline.Plumbing.Serialization;
using Pipeline.Plumbing.Topics;
using Pipeline.Schemas;
using Pipeline.Schemas.V1;

namespace Pipeline.Archive;

public sealed class ArchiveWriter(
    ArchiveDataset dataset,
    KafkaClientSettings kafka,
    ArchiveStore store,
    ArchiveLayout layout,
    ArchiveSettings settings,
    ILogger logger
)
{
    private static readonly Headers DeadLetterHeaders = MessageHeaders.For<DeadLetter>();
    private readonly Dictionary<int, SegmentBuffer> _buffers = new();
    private IConsumer<byte[]?, byte[]?>? _consumer;
    private IProducer<byte[]?, byte[]?>? _deadLetters;

    public string GroupId => $"{settings.ConsumerName}.{dataset.Name}";

    public Task RunAsync(CancellationToken ct) =>
        Task.Factory.StartNew(() => RunLoopAsync(ct), ct, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();

    private async Task RunLoopAsync(CancellationToken ct)
    {
        ArchiveStatus.Set(dataset.Name, ArchiveState.Starting);
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(kafka.Consumer($"archive-{dataset.Name}", GroupId))
            .SetLogHandler(
                (_, m) =>
                {
                    if (m.Level <= SyslogLevel.Warning)
                        logger.LogWarning("librdkafka: {Message}", m.Message);
                }
            )
            .Build();
        _consumer = consumer;
        try
        {
            var starts = new List<TopicPartitionOffset>();
            foreach (var tp in Partitions())
            {
                var buffer = await RetryAsync($"recover partition {tp.Partition.Value}", () => RecoverAsync(consumer, tp, ct), ct);
                _buffers[tp.Partition.Value] = buffer;
                starts.Add(new TopicPartitionOffset(tp, buffer.Start));
            }
            consumer.Assign(starts);
            ArchiveStatus.Set(dataset.Name, ArchiveState.Consuming);
            logger.LogInformation(
                "Archiving {Topic} to s3://{Bucket}/{Prefix} from {Starts}",
                dataset.Topic,
                store.Bucket,
                layout.DatasetPrefix(dataset.Name),
                string.Join(", ", starts.Select(s => $"{s.Partition.Value}@{s.Offset.Value}"))
            );

            while (!ct.IsCancellationRequested)
            {
                var record = consumer.Consume(TimeSpan.FromMilliseconds(100));
                if (record is { IsPartitionEOF: false })
                {
                    var buffer = _buffers[record.Partition.Value];
                    if (buffer.RedoThrough is long through && record.Offset.Value > through)
                        await SealAsync(buffer, through, ct);
                    buffer.Add(record);
                    if (buffer.RedoThrough is long redo ? record.Offset.Value >= redo : buffer.Bytes >= settings.RollBytes)
                        await SealAsync(buffer, buffer.LastOffset, ct);
                }
                foreach (var buffer in _buffers.Values)
                    if (buffer.RedoThrough is null && buffer.Records.Count > 0 && buffer.Age >= settings.RollInterval)
                        await SealAsync(buffer, buffer.LastOffset, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
        finally
        {
            // Open segments are not written: their positions are not committed, so the next start reads them again.
            ArchiveStatus.Set(dataset.Name, ArchiveState.Stopped);
            _deadLetters?.Dispose();
            consumer.Close();
        }
    }

    private List<TopicPartition> Partitions()
    {
        using var admin = new AdminClientBuilder(kafka.Admin($"archive-{dataset.Name}-admin")).Build();
        var meta = admin.GetMetadata(dataset.Topic, TimeSpan.FromSeconds(30));
        var topic = meta.Topics.Single(t => t.Topic == dataset.Topic);
        if (topic.Error.IsError)
            throw new DependencyUnavailableException($"archive: topic {dataset.Topic} is not available ({topic.Error.Reason})");
        return topic.Partitions.Select(p => new TopicPartition(dataset.Topic, p.PartitionId)).OrderBy(p => p.Partition.Value).ToList();
    }

    /// <summary>Where a partition resumes: after the last complete manifest at or after the committed position, or at the
    /// start of an incomplete one (to be rewritten with the same offsets), or at the committed position / log start.</summary>
    private async Task<SegmentBuffer> RecoverAsync(IConsumer<byte[]?, byte[]?> consumer, TopicPartition tp, CancellationToken ct)
    {
        var p = tp.Partition.Value;
        var committed = consumer.Committed([tp], TimeSpan.FromSeconds(30)).Single().Offset;
        var low = consumer.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(30)).Low.Value;
        var from = committed.IsSpecial ? 0 : committed.Value;
        var manifests = await store.ListAsync(
            layout.ManifestPrefix(dataset.Name, p),
            from > 0 ? layout.ManifestsFrom(dataset.Name, p, from) : null,
            ct
        );
        long start;
        long? redo = null;
        if (manifests.Count == 0)
            start = committed.IsSpecial ? low : committed.Value;
        else
        {
            var last = ArchiveManifest.FromJson(await store.GetAsync(manifests[^1].Key, ct));
            var missing = 0;
            // A file compaction merged into its day file is not missing: rewriting it would archive its rows twice.
            foreach (var file in last.Files)
                if (!await ArchiveCompactor.IsPresentAsync(store, layout, dataset.Name, file, ct))
                    missing++;
            if (missing == 0)
                start = last.LastOffset + 1;
            else
            {
                start = last.FirstOffset;
                redo = last.LastOffset;
                logger.LogWarning(
                    "Archive {Dataset} partition {Partition}: segment {First}-{Last} has {Missing} of {Files} files missing "
                        + "(a crash mid-upload); rewriting it",
                    dataset.Name,
                    p,
                    last.FirstOffset,
                    last.LastOffset,
                    missing,
                    last.Files.Count
                );
            }
        }
        if (start < low)
        {
            logger.LogError(
                "Archive {Dataset} partition {Partition}: offsets {From}-{To} left Kafka (retention) before they were archived",
                dataset.Name,
                p,
                start,
                low - 1
            );
            start = low;
            redo = null;
        }
        return new SegmentBuffer(p, start) { RedoThrough = redo };
    }

    private async Task SealAsync(SegmentBuffer buffer, long lastOffset, CancellationToken ct)
    {
        var p = buffer.Partition;
        var first = buffer.Start;
        var records = new List<ArchiveRecord>();
        var deadLetters = new List<(ConsumeResult<byte[]?, byte[]?> Record, string Reason)>();
        var skipped = 0;
        foreach (var r in buffer.Records)
        {
            var type = MessageHeaders.TypeOf(r.Message.Headers);
            if (r.Message.Value is null || (type is not null && type != dataset.MessageType))
            {
                skipped++;
                continue;
            }
            // Plain Protobuf or Schema Registry framing (RecordValues reads both).
            var value = RecordValues.Read(r.Message.Value, r.Message.Headers);
            if (value.IsFault)
            {
                deadLetters.Add((r, value.FaultReason!));
                continue;
            }
            try
            {
                records.Add(dataset.Decode(p, r.Offset.Value, value.PayloadArray()));
            }
            catch (FormatException e)
            {
                deadLetters.Add((r, e.Message));
            }
        }
        var files = new List<(ArchivedFile File, byte[] Bytes)>();
        foreach (var group in records.GroupBy(r => r.Folder).OrderBy(g => g.Key.Path, StringComparer.Ordinal))
        {
            var bytes = await dataset.WriteFileAsync(group.ToList(), ct);
            files.Add(
                (new ArchivedFile(layout.DataKey(dataset.Name, group.Key, p, first, lastOffset), group.Count(), bytes.LongLength), bytes)
            );
        }
        var manifest = new ArchiveManifest(
            dataset.Name,
            dataset.Topic,
            p,
            first,
            lastOffset,
            records.Count,
            skipped + deadLetters.Count,
            files.Select(f => f.File).ToList()
        );

        await RetryAsync(
            "upload manifest",
            async () =>
            {
                await store.PutAsync(layout.ManifestKey(dataset.Name, p, first, lastOffset), manifest.ToJson(), ct);
                return 0;
            },
            ct
        );
        foreach (var (file, bytes) in files)
            await RetryAsync(
                $"upload {file.Key}",
                async () =>
                {
                    await store.PutAsync(file.Key, bytes, ct);
                    return 0;
                },
                ct
            );
        if (deadLetters.Count > 0)
            SendDeadLetters(deadLetters);

        try
        {
            _consumer!.Commit([new TopicPartitionOffset(dataset.Topic, p, lastOffset + 1)]);
        }
        catch (KafkaException e)
        {
            // The manifest is the archive's own record of progress; the group position only shows lag, so this is not fatal.
            logger.LogWarning(
                "Archive {Dataset}: committing position {Offset} of partition {Partition} failed ({Reason}); the manifest has it",
                dataset.Name,
                lastOffset + 1,
                p,
                e.Error.Reason
            );
        }
        ArchiveStatus.RecordsArchived.Add(records.Count, new KeyValuePair<string, object?>("dataset", dataset.Name));
        ArchiveStatus.FilesUploaded.Add(files.Count, new KeyValuePair<string, object?>("dataset", dataset.Name));
        logger.LogDebug(
            "Archived {Dataset} partition {Partition} offsets {First}-{Last}: {Records} records in {Files} files",
            dataset.Name,
            p,
            first,
            lastOffset,
            records.Count,
            files.Count
        );
        var carry = buffer.Records.Where(r => r.Offset.Value > lastOffset).ToList();
        buffer.Reset(lastOffset + 1);
        foreach (var r in carry)
            buffer.Add(r);
    }

    private void SendDeadLetters(List<(ConsumeResult<byte[]?, byte[]?> Record, string Reason)> records)
    {
        _deadLetters ??= new ProducerBuilder<byte[]?, byte[]?>(kafka.Producer($"archive-{dataset.Name}-deadletters")).Build();
        var now = ArchiveTime.ToMicros(DateTime.UtcNow);
        foreach (var (r, reason) in records)
        {
            var dl = DeadLetterRecord.Create(
                dataset.Topic,
                r.Partition.Value,
                r.Offset.Value,
                r.Message.Key,
                r.Message.Value,
                DeadLetterReasons.ArchiveUnwritable,
                reason,
                "archive",
                now
            );
            _deadLetters.Produce(
                TopicCatalog.DeadLetters.Name,
                new Message<byte[]?, byte[]?>
                {
                    Key = r.Message.Key,
                    Value = RecordValues.Write(TopicCatalog.DeadLetters.Name, dl.ToByteArray()),
                    Headers = RecordValues.HeadersFor(TopicCatalog.DeadLetters.Name, DeadLetterHeaders),
                }
            );
        }
        _deadLetters.Flush(TimeSpan.FromSeconds(30));
        ArchiveStatus.DeadLetters.Add(records.Count, new KeyValuePair<string, object?>("dataset", dataset.Name));
    }

    /// <summary>Retries an S3 step until it succeeds (backoff doubling from 200 ms to RetryMaxBackoff, equal jitter): the data
    /// is held, never skipped, and readiness says so meanwhile.</summary>
    private async Task<T> RetryAsync<T>(string what, Func<Task<T>> step, CancellationToken ct)
    {
        for (var failures = 0; ; failures++)
        {
            try
            {
                var result = await step();
                if (failures > 0)
                {
                    logger.LogInformation(
                        "Archive {Dataset}: S3 accepted {What} after {Failures} failed attempts",
                        dataset.Name,
                        what,
                        failures
                    );
                    ArchiveStatus.Set(dataset.Name, ArchiveState.Consuming);
                }
                return result;
            }
            catch (Exception e) when (!ct.IsCancellationRequested && e is not (ArgumentException or NullReferenceException))
            {
                ArchiveStatus.Set(dataset.Name, ArchiveState.Holding, Describe(e), _buffers.Values.Sum(b => (long)b.Records.Count));
                ArchiveStatus.UploadFailures.Add(1, new KeyValuePair<string, object?>("dataset", dataset.Name));
                if (failures % 10 == 0)
                    logger.LogWarning(
                        "Archive {Dataset}: {What} failed ({Error}); holding the data and retrying",
                        dataset.Name,
                        what,
                        Describe(e)
                    );
                await Task.Delay(Backoff.Delay(failures + 1, TimeSpan.FromMilliseconds(200), settings.RetryMaxBackoff), ct);
            }
        }
    }

    private static string Describe(Exception e) =>
        e is AmazonS3Exception s3
            ? $"{(int)s3.StatusCode} {s3.ErrorCode}: {s3.Message}"
            : $"{e.GetType().Name}: {e.InnerException?.Message ?? e.Message}";
}
