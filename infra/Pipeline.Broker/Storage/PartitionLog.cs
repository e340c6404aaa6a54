using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;

namespace Pipeline.Broker;

/// <summary>
/// One partition: an ordered list of segments, the log start and end offsets, idempotent-producer state, open
/// transactions (which define the last stable offset) and the aborted-transaction index for read_committed.
/// All mutation happens under one lock; record bytes are read outside it.
/// </summary>
internal sealed class PartitionLog : IDisposable
{
    private readonly object _lock = new();
    private readonly List<LogSegment> _segments = new();
    private readonly Dictionary<long, ProducerState> _producers = new();

    // producer id -> first offset of its open transaction, and where that batch is (to bound read_committed reads)
    private readonly Dictionary<long, (long FirstOffset, long SegmentBase, long Position)> _ongoing = new();
    private readonly List<AbortedTransaction> _aborted = new(); // in marker order
    private readonly string _dir;
    private readonly Func<TopicConfig> _config;
    private readonly Action<LogSegment> _retire;
    private long _logStartOffset;
    private long _nextOffset;
    private long _lastStableOffset;
    private long _lsoSegmentBase = -1,
        _lsoPosition = -1;
    private TaskCompletionSource? _changed;
    private bool _disposed;

    public string Topic { get; }
    public int Partition { get; }

    public PartitionLog(string topic, int partition, string dir, Func<TopicConfig> config, Action<LogSegment> retire)
    {
        Topic = topic;
        Partition = partition;
        _dir = dir;
        _config = config;
        _retire = retire;
        Directory.CreateDirectory(dir);
        Recover();
    }

    public long LogStartOffset
    {
        get
        {
            lock (_lock)
                return _logStartOffset;
        }
    }
    public long HighWatermark
    {
        get
        {
            lock (_lock)
                return _nextOffset;
        }
    }
    public long LastStableOffset
    {
        get
        {
            lock (_lock)
                return _lastStableOffset;
        }
    }
    public long SizeBytes
    {
        get
        {
            lock (_lock)
                return _segments.Sum(s => s.Size);
        }
    }
    public int SegmentCount
    {
        get
        {
            lock (_lock)
                return _segments.Count;
        }
    }

    private string StartOffsetFile => Path.Combine(_dir, "log-start-offset");

    private void Recover()
    {
        if (File.Exists(StartOffsetFile) && long.TryParse(File.ReadAllText(StartOffsetFile).Trim(), out var start))
            _logStartOffset = start;
        var files = Directory
            .GetFiles(_dir, "*.log")
            .Select(f => (Path: f, Base: long.TryParse(Path.GetFileNameWithoutExtension(f), out var b) ? b : -1))
            .Where(f => f.Base >= 0)
            .OrderBy(f => f.Base)
            .ToList();
        foreach (var tmp in Directory.GetFiles(_dir, "*.cleaned"))
            File.Delete(tmp);
        for (int i = 0; i < files.Count; i++)
        {
            long segmentBase = files[i].Base;
            var seg = LogSegment.Open(
                files[i].Path,
                segmentBase,
                validateCrc: i == files.Count - 1,
                (b, pos) => OnRecoveredBatch(b, segmentBase, pos)
            );
            _segments.Add(seg);
        }
        if (_segments.Count == 0)
            _segments.Add(LogSegment.Create(_dir, _logStartOffset));
        var last = _segments[^1];
        _nextOffset = Math.Max(last.Count > 0 ? last.LastOffset + 1 : last.BaseOffset, _logStartOffset);
        if (_segments[0].Count > 0 || _segments.Count > 1)
            _logStartOffset = Math.Max(_logStartOffset, _segments[0].BaseOffset);
        UpdateLastStableOffset();
    }

    private void OnRecoveredBatch(byte[] batch, long segmentBase, long position)
    {
        short attrs = RecordBatch.Attributes(batch);
        long pid = RecordBatch.ProducerId(batch);
        long baseOffset = RecordBatch.BaseOffset(batch);
        if (pid < 0)
            return;
        if (RecordBatch.IsControl(attrs))
        {
            ApplyMarker(pid, RecordBatch.ProducerEpoch(batch), RecordBatch.ControlIsCommit(batch) ?? true, baseOffset);
            return;
        }
        TrackProducerBatch(batch, pid, baseOffset, segmentBase, position);
    }

    /// <summary>Records a producer's data batch, written at <paramref name="offset"/> (on append and on recovery): its epoch
    /// and sequences for idempotence, and where an open transaction starts.</summary>
    private void TrackProducerBatch(ReadOnlySpan<byte> batch, long pid, long offset, long segmentBase, long position)
    {
        var state = GetProducer(pid);
        short epoch = RecordBatch.ProducerEpoch(batch);
        if (epoch > state.Epoch)
            state.BumpEpoch(epoch);
        int first = RecordBatch.BaseSequence(batch);
        state.Record(first, ProducerState.AddSequence(first, RecordBatch.LastOffsetDelta(batch)), offset);
        if (RecordBatch.IsTransactional(RecordBatch.Attributes(batch)))
            _ongoing.TryAdd(pid, (offset, segmentBase, position));
    }

    private ProducerState GetProducer(long pid)
    {
        if (!_producers.TryGetValue(pid, out var s))
            _producers[pid] = s = new ProducerState { Epoch = -1 };
        return s;
    }

    private void ApplyMarker(long pid, short epoch, bool commit, long markerOffset)
    {
        var state = GetProducer(pid);
        if (epoch > state.Epoch)
            state.BumpEpoch(epoch);
        if (_ongoing.Remove(pid, out var first) && !commit)
            _aborted.Add(new AbortedTransaction(pid, first.FirstOffset, markerOffset));
    }

    private void UpdateLastStableOffset()
    {
        long lso = _nextOffset;
        _lsoSegmentBase = _lsoPosition = -1;
        foreach (var (first, segmentBase, position) in _ongoing.Values)
        {
            if (first >= lso)
                continue;
            lso = first;
            _lsoSegmentBase = segmentBase;
            _lsoPosition = position;
        }
        _lastStableOffset = lso;
    }

    /// <summary>A task that completes the next time data or the last stable offset changes (fetch long polling).</summary>
    public Task ChangedAsync()
    {
        lock (_lock)
        {
            _changed ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _changed.Task;
        }
    }

    private void SignalChanged()
    {
        var tcs = _changed;
        _changed = null;
        tcs?.TrySetResult();
    }

    /// <summary>
    /// Appends the batches of one produce request (already validated by <see cref="RecordBatch.Validate"/>) and
    /// returns the first assigned offset. Idempotent duplicates are acknowledged with their original offset.
    /// </summary>
    public ErrorCode Append(Span<byte> records, out long baseOffset, out long logAppendTime)
    {
        baseOffset = -1;
        logAppendTime = -1;
        var config = _config();
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            // Check every batch before writing any, so a request is all or nothing.
            int pos = 0;
            while (pos < records.Length)
            {
                var batch = records[pos..];
                int size = RecordBatch.TotalSize(batch);
                var error = CheckProducer(batch[..size], out var duplicateOffset);
                if (error != ErrorCode.None)
                    return error;
                if (duplicateOffset is long dup)
                {
                    // Clients send one batch per partition per request, so a duplicate means the whole request is one.
                    baseOffset = dup;
                    return ErrorCode.None;
                }
                pos += size;
            }
            long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            pos = 0;
            while (pos < records.Length)
            {
                var batch = records.Slice(pos, RecordBatch.TotalSize(records[pos..]));
                pos += batch.Length;
                long offset = _nextOffset;
                RecordBatch.SetBaseOffset(batch, offset);
                RecordBatch.SetPartitionLeaderEpoch(batch, 0);
                if (config.LogAppendTime)
                {
                    RecordBatch.StampLogAppendTime(batch, now);
                    logAppendTime = now;
                }
                var (segmentBase, position) = WriteBatch(batch, config);
                if (baseOffset < 0)
                    baseOffset = offset;
                long pid = RecordBatch.ProducerId(batch);
                if (pid >= 0)
                    TrackProducerBatch(batch, pid, offset, segmentBase, position);
            }
            UpdateLastStableOffset();
            SignalChanged();
            return ErrorCode.None;
        }
    }

    private ErrorCode CheckProducer(ReadOnlySpan<byte> batch, out long? duplicateOffset)
    {
        duplicateOffset = null;
        long pid = RecordBatch.ProducerId(batch);
        if (pid < 0)
            return ErrorCode.None;
        short epoch = RecordBatch.ProducerEpoch(batch);
        int first = RecordBatch.BaseSequence(batch);
        int last = ProducerState.AddSequence(first, RecordBatch.LastOffsetDelta(batch));
        if (!_producers.TryGetValue(pid, out var state) || state.Epoch < 0)
            return ErrorCode.None;
        if (epoch < state.Epoch)
            return ErrorCode.InvalidProducerEpoch;
        if (epoch > state.Epoch)
            return first == 0 ? ErrorCode.None : ErrorCode.OutOfOrderSequenceNumber;
        if (state.FindDuplicate(first, last) is long dup)
        {
            duplicateOffset = dup;
            return ErrorCode.None;
        }
        if (state.LastSequence < 0 ? first == 0 : first == ProducerState.AddSequence(state.LastSequence, 1))
            return ErrorCode.None;
        // Kafka's ProducerStateManager: anything that is neither one of the remembered batches nor the next sequence is
        // OUT_OF_ORDER_SEQUENCE_NUMBER. DUPLICATE_SEQUENCE_NUMBER would be wrong: clients treat it as "already written" and
        // report success, so a batch overlapping the last one (1..3 after 0..2) would lose its new record silently.
        return ErrorCode.OutOfOrderSequenceNumber;
    }

    private (long SegmentBase, long Position) WriteBatch(ReadOnlySpan<byte> batch, TopicConfig config)
    {
        var active = _segments[^1];
        long batchTime = RecordBatch.MaxTimestamp(batch);
        bool full = active.Size + batch.Length > config.SegmentBytes;
        // segment.ms in record time, as Kafka: replaying old data in order does not roll a segment per batch.
        bool old = active.FirstTimestamp >= 0 && batchTime >= 0 && batchTime - active.FirstTimestamp > config.SegmentMs;
        if (active.Count > 0 && (full || old))
        {
            active = LogSegment.Create(_dir, _nextOffset);
            _segments.Add(active);
        }
        long position = active.Size;
        active.Append(batch);
        _nextOffset = RecordBatch.BaseOffset(batch) + RecordBatch.LastOffsetDelta(batch) + 1;
        return (active.BaseOffset, position);
    }

    /// <summary>Writes a COMMIT or ABORT marker for a producer's transaction (transaction coordinator only).</summary>
    public void AppendMarker(long producerId, short epoch, bool commit, int coordinatorEpoch)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var batch = RecordBatch.BuildControlBatch(
                producerId,
                epoch,
                commit,
                coordinatorEpoch,
                DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()
            );
            long offset = _nextOffset;
            RecordBatch.SetBaseOffset(batch, offset);
            WriteBatch(batch, _config());
            ApplyMarker(producerId, epoch, commit, offset);
            UpdateLastStableOffset();
            SignalChanged();
        }
    }

    /// <summary>Whether the producer has an open transaction on this partition.</summary>
    public bool HasOngoing(long producerId)
    {
        lock (_lock)
            return _ongoing.ContainsKey(producerId);
    }

    /// <summary>Fences an older epoch of a producer on this partition (after its coordinator bumped the epoch).</summary>
    public void FenceProducer(long producerId, short epoch)
    {
        lock (_lock)
        {
            if (_producers.TryGetValue(producerId, out var state) && epoch > state.Epoch)
                state.BumpEpoch(epoch);
        }
    }

    internal readonly record struct ReadResult(
        ErrorCode Error,
        long HighWatermark,
        long LastStableOffset,
        long LogStartOffset,
        SafeFileHandle? Handle,
        long Position,
        int Length
    );

    /// <summary>
    /// Locates the bytes to serve from <paramref name="offset"/>: whole batches within one segment, below the high
    /// watermark (or the last stable offset for read_committed), at most <paramref name="maxBytes"/> except that the
    /// first batch is always served when <paramref name="allowOversized"/> (KIP-74). The range may end inside a
    /// batch; the reader trims it to whole batches.
    /// </summary>
    public ReadResult Read(long offset, int maxBytes, bool readCommitted, bool allowOversized)
    {
        lock (_lock)
        {
            long hw = _nextOffset,
                lso = _lastStableOffset,
                start = _logStartOffset;
            if (offset < start || offset > hw)
                return new ReadResult(ErrorCode.OffsetOutOfRange, hw, lso, start, null, 0, 0);
            long upper = readCommitted ? lso : hw;
            if (offset >= upper)
                return new ReadResult(ErrorCode.None, hw, lso, start, null, 0, 0);
            for (int si = FindSegment(offset); si < _segments.Count; si++)
            {
                var seg = _segments[si];
                if (seg.FindByOffset(offset) is not { } first)
                    continue;
                if (first.LastOffset >= upper)
                    break;
                long end = readCommitted && seg.BaseOffset == _lsoSegmentBase ? _lsoPosition : seg.Size;
                long available = end - first.Position;
                int length = (int)Math.Min(available, maxBytes);
                if (length < first.Size)
                    length = allowOversized ? first.Size : 0;
                return new ReadResult(ErrorCode.None, hw, lso, start, length > 0 ? seg.Handle : null, first.Position, length);
            }
            return new ReadResult(ErrorCode.None, hw, lso, start, null, 0, 0);
        }
    }

    /// <summary>Aborted transactions overlapping [from, to], for a read_committed fetch of that range.</summary>
    public List<AbortedTransaction>? AbortedBetween(long from, long to)
    {
        lock (_lock)
        {
            // _aborted is in marker order, so skip those whose marker precedes the range.
            int lo = 0,
                hi = _aborted.Count;
            while (lo < hi)
            {
                int mid = (lo + hi) >>> 1;
                if (_aborted[mid].LastOffset < from)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            List<AbortedTransaction>? result = null;
            for (int i = lo; i < _aborted.Count; i++)
                if (_aborted[i].FirstOffset <= to)
                    (result ??= new()).Add(_aborted[i]);
            return result;
        }
    }

    private int FindSegment(long offset)
    {
        int lo = 0,
            hi = _segments.Count - 1;
        while (lo < hi)
        {
            int mid = (lo + hi + 1) >>> 1;
            if (_segments[mid].BaseOffset <= offset)
                lo = mid;
            else
                hi = mid - 1;
        }
        return lo;
    }

    /// <summary>ListOffsets by time: the first offset whose record timestamp is at or after <paramref name="timestamp"/>.</summary>
    public (long Timestamp, long Offset) OffsetForTimestamp(long timestamp)
    {
        lock (_lock)
        {
            foreach (var seg in _segments)
            {
                if (seg.MaxTimestamp < timestamp)
                    continue;
                foreach (var e in seg.BatchesFrom(seg.TimeSearchStart(timestamp)))
                {
                    if (RecordBatch.IsControl(e.Attributes) || e.MaxTimestamp < timestamp || e.LastOffset < _logStartOffset)
                        continue;
                    if (RecordBatch.IsLogAppendTime(e.Attributes))
                        return (e.MaxTimestamp, Math.Max(e.BaseOffset, _logStartOffset));
                    var batch = seg.ReadBatch(e);
                    var records = RecordBatchCodec.RecordsOf(batch);
                    if (records is null)
                        return (e.MaxTimestamp, Math.Max(e.BaseOffset, _logStartOffset));
                    long baseTs = RecordBatch.BaseTimestamp(batch);
                    var reader = new RecordReader(records);
                    int count = RecordBatch.RecordCount(batch);
                    for (int r = 0; r < count && !reader.AtEnd; r++)
                    {
                        var rec = reader.Next();
                        long ts = baseTs + rec.TimestampDelta;
                        long off = e.BaseOffset + rec.OffsetDelta;
                        if (ts >= timestamp && off >= _logStartOffset)
                            return (ts, off);
                    }
                }
            }
            return (-1, -1);
        }
    }

    /// <summary>
    /// ListOffsets v0 (Kafka's legacy fetchOffsetsBefore): segment base offsets, plus the log end when the last segment
    /// holds data, newest first, starting from the newest whose file was last written at or before the timestamp
    /// (-1 latest, -2 earliest); at most <paramref name="maxOffsets"/>.
    /// </summary>
    public List<long> LegacyOffsetsBefore(long timestamp, int maxOffsets)
    {
        lock (_lock)
        {
            var points = new List<(long Offset, long ModifiedMs)>();
            foreach (var seg in _segments)
                points.Add(
                    (
                        Math.Max(seg.BaseOffset, _logStartOffset),
                        new DateTimeOffset(File.GetLastWriteTimeUtc(seg.Path)).ToUnixTimeMilliseconds()
                    )
                );
            if (_segments[^1].Size > 0)
                points.Add((_nextOffset, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
            int start = timestamp switch
            {
                -1 => points.Count - 1,
                -2 => 0,
                _ => points.FindLastIndex(p => p.ModifiedMs <= timestamp),
            };
            var result = new List<long>();
            for (int i = start; i >= 0 && result.Count < maxOffsets; i--)
                result.Add(points[i].Offset);
            result.Sort((a, b) => b.CompareTo(a));
            return result;
        }
    }

    /// <summary>DeleteRecords: moves the log start offset forward and drops segments wholly below it.</summary>
    public ErrorCode DeleteRecordsBefore(long offset, out long lowWatermark)
    {
        lock (_lock)
        {
            if (offset == -1)
                offset = _nextOffset;
            if (offset < 0 || offset > _nextOffset)
            {
                lowWatermark = _logStartOffset;
                return ErrorCode.OffsetOutOfRange;
            }
            if (offset > _logStartOffset)
            {
                _logStartOffset = offset;
                File.WriteAllText(StartOffsetFile, offset.ToString());
                while (_segments.Count > 1 && _segments[1].BaseOffset <= offset)
                    RemoveOldestSegment();
            }
            lowWatermark = _logStartOffset;
            return ErrorCode.None;
        }
    }

    private void RemoveOldestSegment()
    {
        var seg = _segments[0];
        _segments.RemoveAt(0);
        // Readers may still hold the handle: the file is unlinked now, the handle closed later.
        try
        {
            File.Delete(seg.Path);
        }
        catch (IOException) { }
        _retire(seg);
        _logStartOffset = Math.Max(_logStartOffset, _segments[0].BaseOffset);
        _aborted.RemoveAll(a => a.LastOffset < _logStartOffset); // nothing left for them to hide
    }

    /// <summary>Time and size retention: deletes whole closed segments, never the active one.</summary>
    public int ApplyRetention(long nowMs)
    {
        var config = _config();
        if (!config.Delete)
            return 0;
        int deleted = 0;
        lock (_lock)
        {
            while (_segments.Count > 1)
            {
                var oldest = _segments[0];
                bool expired = config.RetentionMs >= 0 && oldest.Count > 0 && oldest.MaxTimestamp < nowMs - config.RetentionMs;
                long total = _segments.Sum(s => s.Size);
                bool oversize = config.RetentionBytes >= 0 && total - oldest.Size >= config.RetentionBytes;
                if (!expired && !oversize)
                    break;
                RemoveOldestSegment();
                deleted++;
            }
            // Like Kafka, an active segment whose records have all expired is rolled and deleted too, so a quiet
            // topic does not keep old data forever just because its only segment never filled up.
            var active = _segments[^1];
            if (
                _segments.Count == 1
                && active.Count > 0
                && config.RetentionMs >= 0
                && active.MaxTimestamp < nowMs - config.RetentionMs
                && _ongoing.Count == 0
            )
            {
                _segments.Add(LogSegment.Create(_dir, _nextOffset));
                RemoveOldestSegment();
                deleted++;
            }
            if (deleted > 0)
                File.WriteAllText(StartOffsetFile, _logStartOffset.ToString());
        }
        return deleted;
    }

    /// <summary>
    /// Compaction for cleanup.policy=compact: in closed segments below the last stable offset, keeps the latest
    /// record per key (tombstones included), drops records of aborted transactions, keeps every control batch so
    /// transaction markers stay correct. Offsets never change; rewritten batches are uncompressed.
    /// </summary>
    public int Compact()
    {
        long tombstoneCutoff = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - _config().DeleteRetentionMs;
        List<LogSegment> closed;
        long lso;
        List<AbortedTransaction> aborted;
        lock (_lock)
        {
            if (_segments.Count < 2)
                return 0;
            closed = _segments.Take(_segments.Count - 1).ToList();
            lso = _lastStableOffset;
            aborted = _aborted.ToList();
        }
        // The latest offset per key across the whole log (closed segments plus the active one).
        var latest = new Dictionary<string, long>();
        List<LogSegment> all;
        lock (_lock)
            all = _segments.ToList();
        foreach (var seg in all)
        {
            List<LogSegment.BatchHeader> batches;
            lock (_lock)
                batches = seg.BatchesFrom(0).ToList();
            foreach (var e in batches)
            {
                if (RecordBatch.IsControl(e.Attributes) || e.LastOffset >= lso)
                    continue;
                var batch = seg.ReadBatch(e);
                if (IsAborted(aborted, RecordBatch.ProducerId(batch), e.BaseOffset))
                    continue;
                var records = RecordBatchCodec.RecordsOf(batch);
                if (records is null)
                    continue;
                var reader = new RecordReader(records);
                while (!reader.AtEnd)
                {
                    var r = reader.Next();
                    if (r.Key is { } k)
                        latest[Convert.ToBase64String(k)] = e.BaseOffset + r.OffsetDelta;
                }
            }
        }
        int rewritten = 0;
        foreach (var seg in closed)
        {
            if (seg.LastOffset >= lso)
                break;
            var path = seg.Path + ".cleaned";
            using (var output = File.Open(path, FileMode.Create, FileAccess.Write))
            {
                bool changed = false;
                List<LogSegment.BatchHeader> batches;
                lock (_lock)
                    batches = seg.BatchesFrom(0).ToList();
                foreach (var e in batches)
                {
                    var batch = seg.ReadBatch(e);
                    if (RecordBatch.IsControl(e.Attributes))
                    {
                        output.Write(batch);
                        continue;
                    }
                    bool abortedBatch = IsAborted(aborted, RecordBatch.ProducerId(batch), e.BaseOffset);
                    var records = abortedBatch ? null : RecordBatchCodec.RecordsOf(batch);
                    if (!abortedBatch && records is null)
                    {
                        output.Write(batch);
                        continue;
                    }
                    var kept = new List<ArraySegment<byte>>();
                    int total = 0;
                    if (records is not null)
                    {
                        var reader = new RecordReader(records);
                        while (!reader.AtEnd)
                        {
                            var r = reader.Next();
                            total++;
                            long off = e.BaseOffset + r.OffsetDelta;
                            bool latestForKey = r.Key is not { } k || latest.GetValueOrDefault(Convert.ToBase64String(k), -1) == off;
                            // A tombstone is kept delete.retention.ms (record time) so consumers that lag can still see the delete.
                            bool expiredTombstone = r.Key is not null && r.Value is null && e.MaxTimestamp < tombstoneCutoff;
                            if (latestForKey && !expiredTombstone)
                                kept.Add(r.Raw);
                        }
                    }
                    if (kept.Count == total && !abortedBatch)
                    {
                        output.Write(batch);
                        continue;
                    }
                    changed = true;
                    if (kept.Count > 0)
                        output.Write(RecordBatchCodec.Rebuild(batch, kept));
                }
                if (!changed)
                {
                    output.Close();
                    File.Delete(path);
                    continue;
                }
            }
            lock (_lock)
            {
                int index = _segments.IndexOf(seg);
                if (index < 0)
                {
                    File.Delete(path);
                    continue;
                }
                File.Move(path, seg.Path, overwrite: true);
                var replacement = LogSegment.Open(seg.Path, seg.BaseOffset, validateCrc: false, (_, _) => { });
                _segments[index] = replacement;
                _retire(seg);
                rewritten++;
            }
        }
        return rewritten;
    }

    private static bool IsAborted(List<AbortedTransaction> aborted, long pid, long offset)
    {
        if (pid < 0)
            return false;
        foreach (var a in aborted)
            if (a.ProducerId == pid && offset >= a.FirstOffset && offset < a.LastOffset)
                return true;
        return false;
    }

    public void Flush()
    {
        lock (_lock)
            if (!_disposed)
                foreach (var s in _segments)
                    s.Flush();
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
                return;
            _disposed = true;
            foreach (var s in _segments)
            {
                try
                {
                    s.Flush();
                }
                catch (Exception) { }
                s.Dispose();
            }
            _segments.Clear();
            SignalChanged();
        }
    }
}
