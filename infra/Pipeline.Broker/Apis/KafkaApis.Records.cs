using System.Buffers.Binary;
using Microsoft.Extensions.Logging;

namespace Pipeline.Broker;

// Produce, Fetch, ListOffsets, OffsetForLeaderEpoch, DeleteRecords: the record paths.
internal sealed partial class KafkaApis
{
    private ProtocolWriter? Produce(RequestHeader h, ProtocolReader r)
    {
        short v = h.ApiVersion;
        string? transactionalId = r.NullableString();
        short acks = r.Int16();
        r.Int32(); // timeout: every write is complete when it returns (one node)
        int topicCount = r.ArrayLength();
        var w = Begin(h.CorrelationId, 64 + topicCount * 64);
        w.ArrayLength(topicCount);
        for (int t = 0; t < topicCount; t++)
        {
            string topic = r.String();
            int partitionCount = r.ArrayLength();
            w.String(topic);
            w.ArrayLength(partitionCount);
            for (int p = 0; p < partitionCount; p++)
            {
                int partition = r.Int32();
                var records = r.NullableBytes();
                long baseOffset = -1,
                    appendTime = -1,
                    logStart = -1;
                ErrorCode error = acks is -1 or 0 or 1
                    ? ProducePartition(topic, partition, transactionalId, records, out baseOffset, out appendTime, out logStart)
                    : ErrorCode.InvalidRequiredAcks;
                w.Int32(partition);
                w.Int16((short)error);
                w.Int64(baseOffset);
                if (v >= 2)
                    w.Int64(appendTime);
                if (v >= 5)
                    w.Int64(logStart);
                if (v >= 8)
                {
                    w.ArrayLength(0);
                    w.NullableString(null);
                }
            }
        }
        w.Int32(0); // throttle
        if (acks == 0)
        {
            w.Dispose();
            return null;
        }
        return End(w);
    }

    private ErrorCode ProducePartition(
        string topic,
        int partition,
        string? transactionalId,
        ArraySegment<byte>? records,
        out long baseOffset,
        out long appendTime,
        out long logStart
    )
    {
        baseOffset = appendTime = logStart = -1;
        var log = logs.Get(topic, partition);
        if (log is null)
            return ErrorCode.UnknownTopicOrPartition;
        if (records is not { Count: > 0 } data)
            return ErrorCode.CorruptMessage;
        var span = data.AsSpan();
        int pos = 0;
        while (pos < span.Length)
        {
            var error = RecordBatch.Validate(span[pos..], options.MaxMessageBytes, out int size);
            if (error != ErrorCode.None)
                return error;
            var batch = span.Slice(pos, size);
            if (RecordBatch.IsTransactional(RecordBatch.Attributes(batch)))
            {
                if (transactionalId is null)
                    return ErrorCode.InvalidTxnState;
                var txnError = transactions.ValidateProduce(
                    RecordBatch.ProducerId(batch),
                    RecordBatch.ProducerEpoch(batch),
                    topic,
                    partition
                );
                if (txnError != ErrorCode.None)
                    return txnError;
            }
            pos += size;
        }
        try
        {
            var result = log.Append(span, out baseOffset, out appendTime);
            logStart = log.LogStartOffset;
            return result;
        }
        catch (ObjectDisposedException)
        {
            return ErrorCode.UnknownTopicOrPartition; // deleted while we wrote
        }
        catch (IOException e)
        {
            logger.LogError(e, "Write to {Topic}-{Partition} failed", topic, partition);
            return ErrorCode.KafkaStorageError;
        }
    }

    private readonly record struct FetchPartition(string Topic, int Partition, long Offset, int MaxBytes);

    private async Task<ProtocolWriter> FetchAsync(RequestHeader h, ProtocolReader r, CancellationToken ct)
    {
        short v = h.ApiVersion;
        r.Int32(); // replica id
        int maxWaitMs = r.Int32();
        int minBytes = r.Int32();
        int maxBytes = r.Int32();
        bool readCommitted = r.Int8() == 1;
        if (v >= 7)
        {
            r.Int32();
            r.Int32();
        } // fetch sessions are not offered: session id 0 means "full fetch" to clients
        int topicCount = r.ArrayLength();
        var requested = new List<(string Topic, List<FetchPartition> Partitions)>(topicCount);
        for (int t = 0; t < topicCount; t++)
        {
            string topic = r.String();
            int n = r.ArrayLength();
            var parts = new List<FetchPartition>(n);
            for (int p = 0; p < n; p++)
            {
                int partition = r.Int32();
                if (v >= 9)
                    r.Int32(); // current leader epoch
                long offset = r.Int64();
                if (v >= 5)
                    r.Int64(); // follower log start offset
                int partMax = r.Int32();
                parts.Add(new FetchPartition(topic, partition, offset, partMax));
            }
            requested.Add((topic, parts));
        }
        // forgotten topics (v7+) and rack id (v11+) need no handling without sessions or replicas

        if (maxBytes <= 0)
            maxBytes = int.MaxValue;
        var deadline = DateTime.UtcNow.AddMilliseconds(Math.Clamp(maxWaitMs, 0, 60_000));
        var waits = new List<Task>();
        while (true)
        {
            waits.Clear();
            foreach (var (topic, parts) in requested)
            foreach (var fp in parts)
                if (logs.Get(topic, fp.Partition) is { } log)
                    waits.Add(log.ChangedAsync());
            var w = BuildFetchResponse(h, requested, maxBytes, readCommitted, out int total, out bool anyError);
            var remaining = deadline - DateTime.UtcNow;
            if (total >= Math.Max(minBytes, 1) || anyError || remaining <= TimeSpan.Zero || waits.Count == 0 || ct.IsCancellationRequested)
                return w;
            w.Dispose();
            waits.Add(Task.Delay(remaining, ct));
            await Task.WhenAny(waits);
        }
    }

    private ProtocolWriter BuildFetchResponse(
        RequestHeader h,
        List<(string Topic, List<FetchPartition> Partitions)> requested,
        int maxBytes,
        bool readCommitted,
        out int total,
        out bool anyError
    )
    {
        short v = h.ApiVersion;
        total = 0;
        anyError = false;
        var w = BeginThrottled(h, capacity: 4096);
        if (v >= 7)
        {
            w.Int16(0);
            w.Int32(0);
        }
        w.ArrayLength(requested.Count);
        foreach (var (topic, parts) in requested)
        {
            w.String(topic);
            w.ArrayLength(parts.Count);
            foreach (var fp in parts)
            {
                var log = logs.Get(topic, fp.Partition);
                PartitionLog.ReadResult read;
                if (log is null)
                    read = new PartitionLog.ReadResult(ErrorCode.UnknownTopicOrPartition, -1, -1, -1, null, 0, 0);
                else
                {
                    int budget = Math.Min(fp.MaxBytes, maxBytes - total);
                    read = log.Read(fp.Offset, Math.Max(budget, 0), readCommitted, allowOversized: total == 0);
                }
                if (read.Error != ErrorCode.None)
                    anyError = true;
                w.Int32(fp.Partition);
                w.Int16((short)read.Error);
                w.Int64(read.HighWatermark);
                w.Int64(read.LastStableOffset);
                if (v >= 5)
                    w.Int64(read.LogStartOffset);
                if (read.Handle is null || read.Length == 0)
                {
                    w.ArrayLength(readCommitted ? 0 : -1);
                    if (v >= 11)
                        w.Int32(-1);
                    w.Int32(0);
                    continue;
                }
                // File bytes go straight into the response and are cut to whole batches. The aborted-transactions
                // list precedes the records but depends on which batches were served; it is usually empty, and when
                // it is not, the records are shifted right to make room (rare: only around aborted transactions).
                int abortedAt = w.Length;
                w.ArrayLength(readCommitted ? 0 : -1);
                if (v >= 11)
                    w.Int32(-1);
                int lengthAt = w.ReserveInt32();
                int start = w.Length;
                int got = ReadSegment(read, w.Advance(read.Length));
                int whole = WholeBatches(w.RawBuffer.AsSpan(start, got), out long lastOffset);
                w.Truncate(start + whole);
                w.PatchInt32(lengthAt, whole);
                total += whole;
                if (readCommitted && whole > 0 && log!.AbortedBetween(fp.Offset, lastOffset) is { Count: > 0 } aborted)
                {
                    int extra = aborted.Count * 16;
                    int end = w.Length;
                    w.Advance(extra);
                    var buffer = w.RawBuffer;
                    buffer.AsSpan(abortedAt + 4, end - abortedAt - 4).CopyTo(buffer.AsSpan(abortedAt + 4 + extra));
                    BinaryPrimitives.WriteInt32BigEndian(buffer.AsSpan(abortedAt), aborted.Count);
                    for (int i = 0; i < aborted.Count; i++)
                    {
                        BinaryPrimitives.WriteInt64BigEndian(buffer.AsSpan(abortedAt + 4 + i * 16), aborted[i].ProducerId);
                        BinaryPrimitives.WriteInt64BigEndian(buffer.AsSpan(abortedAt + 12 + i * 16), aborted[i].FirstOffset);
                    }
                }
            }
        }
        return End(w);
    }

    private static int ReadSegment(PartitionLog.ReadResult read, Span<byte> destination)
    {
        try
        {
            return RandomAccess.Read(read.Handle!, destination, read.Position);
        }
        catch (ObjectDisposedException)
        {
            return 0;
        } // segment removed under us (retention/deletion): serve nothing this time
    }

    /// <summary>Length of the whole batches at the start of <paramref name="data"/>, and the last offset they hold.</summary>
    private static int WholeBatches(ReadOnlySpan<byte> data, out long lastOffset)
    {
        lastOffset = -1;
        int p = 0;
        while (p + RecordBatch.HeaderSize <= data.Length)
        {
            var batch = data[p..];
            int size = RecordBatch.TotalSize(batch);
            if (size < RecordBatch.HeaderSize || size > batch.Length)
                break;
            lastOffset = RecordBatch.BaseOffset(batch) + RecordBatch.LastOffsetDelta(batch);
            p += size;
        }
        return p;
    }

    private ProtocolWriter ListOffsets(RequestHeader h, ProtocolReader r)
    {
        short v = h.ApiVersion;
        r.Int32(); // replica id
        bool readCommitted = v >= 2 && r.Int8() == 1;
        var w = BeginThrottled(h, from: 2);
        TopicArrays.Echo(
            r,
            w,
            false,
            (topic, partition) =>
            {
                if (v >= 4)
                    r.Int32();
                long timestamp = r.Int64();
                var log = logs.Get(topic, partition);
                if (v == 0)
                {
                    int maxOffsets = r.Int32();
                    var offsets = log?.LegacyOffsetsBefore(timestamp, maxOffsets) ?? [];
                    w.Int32(partition);
                    w.Int16((short)(log is null ? ErrorCode.UnknownTopicOrPartition : ErrorCode.None));
                    w.ArrayLength(offsets.Count);
                    foreach (long o in offsets)
                        w.Int64(o);
                    return;
                }
                ErrorCode error = ErrorCode.None;
                long ts = -1,
                    offset = -1;
                if (log is null)
                    error = ErrorCode.UnknownTopicOrPartition;
                else if (timestamp == -1)
                    offset = readCommitted ? log.LastStableOffset : log.HighWatermark;
                else if (timestamp == -2)
                    offset = log.LogStartOffset;
                else if (timestamp < 0)
                    error = ErrorCode.InvalidRequest;
                else
                    (ts, offset) = log.OffsetForTimestamp(timestamp);
                w.Int32(partition);
                w.Int16((short)error);
                w.Int64(ts);
                w.Int64(offset);
                if (v >= 4)
                    w.Int32(0);
            }
        );
        return End(w);
    }

    private ProtocolWriter OffsetForLeaderEpoch(RequestHeader h, ProtocolReader r)
    {
        short v = h.ApiVersion;
        if (v >= 3)
            r.Int32();
        var w = BeginThrottled(h, from: 2);
        TopicArrays.Echo(
            r,
            w,
            false,
            (topic, partition) =>
            {
                if (v >= 2)
                    r.Int32();
                r.Int32(); // requested leader epoch: there has only ever been epoch 0, which ends at the log end
                var log = logs.Get(topic, partition);
                w.Int16((short)(log is null ? ErrorCode.UnknownTopicOrPartition : ErrorCode.None));
                w.Int32(partition);
                if (v >= 1)
                    w.Int32(log is null ? -1 : 0);
                w.Int64(log?.HighWatermark ?? -1);
            }
        );
        return End(w);
    }

    private ProtocolWriter DeleteRecords(RequestHeader h, ProtocolReader r)
    {
        var w = BeginThrottled(h);
        TopicArrays.Echo(
            r,
            w,
            false,
            (topic, partition) =>
            {
                long offset = r.Int64();
                var log = logs.Get(topic, partition);
                long low = -1;
                var error = log is null ? ErrorCode.UnknownTopicOrPartition : log.DeleteRecordsBefore(offset, out low);
                w.Int32(partition);
                w.Int64(low);
                w.Int16((short)error);
            }
        );
        r.Int32(); // timeout
        return End(w);
    }
}
