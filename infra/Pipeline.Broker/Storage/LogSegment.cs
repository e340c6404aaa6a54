using Microsoft.Win32.SafeHandles;

namespace Pipeline.Broker;

/// <summary>
/// One segment file of raw record batches, named by its base offset, plus its in-memory offset and time index
/// (one entry per batch, rebuilt by scanning the file when the segment is opened). Appends happen under the
/// owning partition's lock; bytes below <see cref="Size"/> never change, so reads need no lock.
/// </summary>
internal sealed class LogSegment : IDisposable
{
    internal struct BatchEntry
    {
        public long BaseOffset;
        public long LastOffset;
        public long MaxTimestamp;        // running maximum up to and including this batch: a monotonic time index
        public long BatchMaxTimestamp;
        public long Position;
        public int Size;
        public short Attributes;
    }

    private BatchEntry[] _entries = new BatchEntry[64];
    private int _count;
    private long _size;

    public long BaseOffset { get; }
    public string Path { get; }
    public SafeFileHandle Handle { get; }
    public long Size => Volatile.Read(ref _size);
    public int Count => _count;
    public bool Dirty { get; set; }
    public DateTime CreatedUtc { get; } = DateTime.UtcNow;
    public long LastOffset => _count == 0 ? BaseOffset - 1 : _entries[_count - 1].LastOffset;
    public long MaxTimestamp => _count == 0 ? -1 : _entries[_count - 1].MaxTimestamp;

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
    /// whole batch. <paramref name="onBatch"/> sees each batch header (the whole batch for control batches) so the
    /// partition can rebuild producer and transaction state.
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
            if (RandomAccess.Read(handle, header, pos) != header.Length) break;
            int batchLength = RecordBatch.BatchLength(header);
            if (batchLength < RecordBatch.HeaderSize - RecordBatch.LogOverhead || RecordBatch.Magic(header) != 2) break;
            int size = batchLength + RecordBatch.LogOverhead;
            if (pos + size > fileLength) break;
            bool control = RecordBatch.IsControl(RecordBatch.Attributes(header));
            byte[] seen = header;
            if (validateCrc || control)
            {
                if (body.Length < size) body = new byte[Math.Max(size, body.Length * 2)];
                if (RandomAccess.Read(handle, body.AsSpan(0, size), pos) != size) break;
                if (!RecordBatch.CrcValid(body.AsSpan(0, size))) break;
                if (control) seen = body.AsSpan(0, size).ToArray();
            }
            long baseOff = RecordBatch.BaseOffset(header);
            if (seg._count > 0 && baseOff <= seg.LastOffset) break; // offsets must grow; anything else is garbage
            seg.AddEntry(header, pos, size);
            onBatch(seen, pos);
            pos += size;
        }
        if (pos < fileLength) RandomAccess.SetLength(handle, pos);
        seg._size = pos;
        return seg;
    }

    private void AddEntry(ReadOnlySpan<byte> batch, long position, int size)
    {
        if (_count == _entries.Length) Array.Resize(ref _entries, _count * 2);
        long baseOffset = RecordBatch.BaseOffset(batch);
        long maxTs = RecordBatch.MaxTimestamp(batch);
        _entries[_count] = new BatchEntry
        {
            BaseOffset = baseOffset,
            LastOffset = baseOffset + RecordBatch.LastOffsetDelta(batch),
            BatchMaxTimestamp = maxTs,
            MaxTimestamp = _count == 0 ? maxTs : Math.Max(maxTs, _entries[_count - 1].MaxTimestamp),
            Position = position,
            Size = size,
            Attributes = RecordBatch.Attributes(batch),
        };
        _count++;
    }

    public void Append(ReadOnlySpan<byte> batch)
    {
        long pos = _size;
        RandomAccess.Write(Handle, batch, pos);
        AddEntry(batch, pos, batch.Length);
        Volatile.Write(ref _size, pos + batch.Length);
        Dirty = true;
    }

    public ref BatchEntry Entry(int i) => ref _entries[i];

    /// <summary>Index of the first batch whose last offset is at or after <paramref name="offset"/>, or Count.</summary>
    public int FindByOffset(long offset)
    {
        int lo = 0, hi = _count;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (_entries[mid].LastOffset < offset) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    /// <summary>Index of the first batch whose running max timestamp is at or after <paramref name="timestamp"/>, or Count.</summary>
    public int FindByTimestamp(long timestamp)
    {
        int lo = 0, hi = _count;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (_entries[mid].MaxTimestamp < timestamp) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    public byte[] ReadBatch(int index)
    {
        ref var e = ref _entries[index];
        var buf = new byte[e.Size];
        RandomAccess.Read(Handle, buf, e.Position);
        return buf;
    }

    public void Flush()
    {
        if (!Dirty) return;
        Dirty = false;
        RandomAccess.FlushToDisk(Handle);
    }

    public void Dispose() => Handle.Dispose();
}
