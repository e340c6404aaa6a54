using Microsoft.Win32.SafeHandles;

namespace Pipeline.Broker;

/// <summary>
/// One segment file of raw record batches, named by its base offset, with a sparse offset and time index
/// (an entry every <see cref="IndexIntervalBytes"/>, as Kafka's index.interval.bytes) kept in memory and
/// rebuilt by scanning the file when the segment is opened. Lookups land on an index entry and scan batch
/// headers forward from there, so memory stays small however many batches the log holds. Appends happen
/// under the owning partition's lock; bytes below <see cref="Size"/> never change, so reads need no lock.
/// </summary>
internal sealed class LogSegment : IDisposable
{
    public const int IndexIntervalBytes = 4096;
    private const int PeekSize = 43; // through maxTimestamp: enough to walk and search batches

    internal struct IndexEntry
    {
        public long BaseOffset; // first batch at or after this position
        public long Position;
        public long MaxTimestampBefore; // largest timestamp of every batch before Position (a monotonic time index)
    }

    internal readonly record struct BatchHeader(
        long Position,
        int Size,
        long BaseOffset,
        long LastOffset,
        long MaxTimestamp,
        short Attributes
    );

    private IndexEntry[] _index = new IndexEntry[16];
    private int _indexCount;
    private long _bytesSinceIndex;
    private long _size;
    private long _lastOffset;
    private long _maxTimestamp = -1;
    private long _firstTimestamp = -1;
    private int _count;

    public long BaseOffset { get; }
    public string Path { get; }
    public SafeFileHandle Handle { get; }
    public long Size => Volatile.Read(ref _size);
    public int Count => _count;
    public bool Dirty { get; set; }
    public long LastOffset => _count == 0 ? BaseOffset - 1 : _lastOffset;
    public long MaxTimestamp => _maxTimestamp;

    /// <summary>Max timestamp of the first batch: segment.ms measures a segment's age from it, in record time like Kafka.</summary>
    public long FirstTimestamp => _firstTimestamp;

    private LogSegment(string path, long baseOffset, SafeFileHandle handle)
    {
        Path = path;
        BaseOffset = baseOffset;
        Handle = handle;
    }

    public static string FileName(long baseOffset) => $"{baseOffset:D20}.log";

    public static LogSegment Create(string dir, long baseOffset)
    {
        var path = System.IO.Path.Combine(dir, FileName(baseOffset));
        var handle = File.OpenHandle(path, FileMode.Create, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        return new LogSegment(path, baseOffset, handle);
    }

    /// <summary>
    /// Opens an existing segment and indexes it. A torn or corrupt tail (kill -9 mid-write) is cut off at the last
    /// whole batch. <paramref name="onBatch"/> sees each batch header (the whole batch for control batches) and its
    /// position, so the partition can rebuild producer and transaction state.
    /// </summary>
    public static LogSegment Open(string path, long baseOffset, bool validateCrc, Action<byte[], long> onBatch)
    {
        var handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        var seg = new LogSegment(path, baseOffset, handle);
        long fileLength = RandomAccess.GetLength(handle);
        long pos = 0;
        var header = new byte[RecordBatch.HeaderSize];
        byte[] body = new byte[64 * 1024];
        while (pos + RecordBatch.HeaderSize <= fileLength)
        {
            if (RandomAccess.Read(handle, header, pos) != header.Length)
                break;
            int batchLength = RecordBatch.BatchLength(header);
            if (batchLength < RecordBatch.HeaderSize - RecordBatch.LogOverhead || RecordBatch.Magic(header) != 2)
                break;
            int size = batchLength + RecordBatch.LogOverhead;
            if (pos + size > fileLength)
                break;
            bool control = RecordBatch.IsControl(RecordBatch.Attributes(header));
            byte[] seen = header;
            if (validateCrc || control)
            {
                if (body.Length < size)
                    body = new byte[Math.Max(size, body.Length * 2)];
                if (RandomAccess.Read(handle, body.AsSpan(0, size), pos) != size)
                    break;
                if (!RecordBatch.CrcValid(body.AsSpan(0, size)))
                    break;
                if (control)
                    seen = body.AsSpan(0, size).ToArray();
            }
            long baseOff = RecordBatch.BaseOffset(header);
            if (seg._count > 0 && baseOff <= seg._lastOffset)
                break; // offsets must grow; anything else is garbage
            seg.Track(header, pos, size);
            onBatch(seen, pos);
            pos += size;
        }
        if (pos < fileLength)
            RandomAccess.SetLength(handle, pos);
        seg._size = pos;
        return seg;
    }

    private void Track(ReadOnlySpan<byte> batch, long position, int size)
    {
        long baseOffset = RecordBatch.BaseOffset(batch);
        if (_indexCount == 0 || _bytesSinceIndex >= IndexIntervalBytes)
        {
            if (_indexCount == _index.Length)
                Array.Resize(ref _index, _indexCount * 2);
            _index[_indexCount++] = new IndexEntry
            {
                BaseOffset = baseOffset,
                Position = position,
                MaxTimestampBefore = _maxTimestamp,
            };
            _bytesSinceIndex = 0;
        }
        _bytesSinceIndex += size;
        _lastOffset = baseOffset + RecordBatch.LastOffsetDelta(batch);
        _maxTimestamp = Math.Max(_maxTimestamp, RecordBatch.MaxTimestamp(batch));
        if (_count == 0)
            _firstTimestamp = RecordBatch.MaxTimestamp(batch);
        _count++;
    }

    public void Append(ReadOnlySpan<byte> batch)
    {
        long pos = _size;
        RandomAccess.Write(Handle, batch, pos);
        Track(batch, pos, batch.Length);
        Volatile.Write(ref _size, pos + batch.Length);
        Dirty = true;
    }

    /// <summary>Reads the header of the batch at <paramref name="position"/> (null past the end).</summary>
    public BatchHeader? PeekBatch(long position)
    {
        if (position + RecordBatch.HeaderSize > _size)
            return null;
        Span<byte> h = stackalloc byte[PeekSize];
        if (RandomAccess.Read(Handle, h, position) != PeekSize)
            return null;
        long baseOffset = RecordBatch.BaseOffset(h);
        int size = RecordBatch.TotalSize(h);
        return new BatchHeader(
            position,
            size,
            baseOffset,
            baseOffset + RecordBatch.LastOffsetDelta(h),
            RecordBatch.MaxTimestamp(h),
            RecordBatch.Attributes(h)
        );
    }

    /// <summary>Batch headers from <paramref name="position"/> to the end of the segment.</summary>
    public IEnumerable<BatchHeader> BatchesFrom(long position)
    {
        while (PeekBatch(position) is { } b)
        {
            yield return b;
            position += b.Size;
        }
    }

    /// <summary>The first batch whose last offset is at or after <paramref name="offset"/>, if this segment has one.</summary>
    public BatchHeader? FindByOffset(long offset)
    {
        if (_count == 0 || offset > _lastOffset)
            return null;
        int lo = 0,
            hi = _indexCount - 1;
        while (lo < hi)
        {
            int mid = (lo + hi + 1) >>> 1;
            if (_index[mid].BaseOffset <= offset)
                lo = mid;
            else
                hi = mid - 1;
        }
        foreach (var b in BatchesFrom(_index[lo].Position))
            if (b.LastOffset >= offset)
                return b;
        return null;
    }

    /// <summary>Where to start scanning for the first batch with a timestamp at or after <paramref name="timestamp"/>.</summary>
    public long TimeSearchStart(long timestamp)
    {
        int lo = 0,
            hi = _indexCount - 1;
        while (lo < hi)
        {
            int mid = (lo + hi + 1) >>> 1;
            if (_index[mid].MaxTimestampBefore < timestamp)
                lo = mid;
            else
                hi = mid - 1;
        }
        return _indexCount == 0 ? 0 : _index[lo].Position;
    }

    public byte[] ReadBatch(BatchHeader batch)
    {
        var buf = new byte[batch.Size];
        RandomAccess.Read(Handle, buf, batch.Position);
        return buf;
    }

    public void Flush()
    {
        if (!Dirty)
            return;
        Dirty = false;
        RandomAccess.FlushToDisk(Handle);
    }

    public void Dispose() => Handle.Dispose();
}
