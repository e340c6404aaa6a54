using System.Buffers.Binary;

namespace Pipeline.Broker;

/// <summary>
/// An append-only file of framed entries ([length][crc32c][payload]) holding coordinator state: committed
/// offsets, transaction metadata. Replayed at start-up; a torn last entry (kill -9) is cut off.
/// Rewritten as a snapshot at start-up so it does not grow without bound.
/// </summary>
internal sealed class InternalLog : IDisposable
{
    private readonly string _path;
    private readonly bool _fsync;
    private FileStream _file;
    private long _snapshotBytes;

    /// <summary>Bytes beyond which a log that has at least doubled since its last snapshot is worth rewriting.</summary>
    public const long CompactionThreshold = 16L * 1024 * 1024;

    /// <summary>True when the log has grown enough since its last snapshot that the owner should call <see cref="Rewrite"/>.</summary>
    public bool NeedsCompaction
    {
        get
        {
            lock (this)
                return _file.Length > CompactionThreshold && _file.Length > 2 * _snapshotBytes;
        }
    }

    public InternalLog(string path, bool fsync, Action<byte[]> replay)
    {
        _path = path;
        _fsync = fsync;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        _file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        long valid = 0;
        var header = new byte[8];
        while (true)
        {
            _file.Position = valid;
            if (_file.Read(header, 0, 8) != 8)
                break;
            int len = BinaryPrimitives.ReadInt32BigEndian(header);
            uint crc = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(4));
            if (len < 0 || valid + 8 + len > _file.Length)
                break;
            var payload = new byte[len];
            if (_file.Read(payload, 0, len) != len || Crc32C.Compute(payload) != crc)
                break;
            replay(payload);
            valid += 8 + len;
        }
        _file.SetLength(valid);
        _file.Position = valid;
    }

    public void Append(byte[] payload)
    {
        lock (this)
        {
            Span<byte> header = stackalloc byte[8];
            BinaryPrimitives.WriteInt32BigEndian(header, payload.Length);
            BinaryPrimitives.WriteUInt32BigEndian(header[4..], Crc32C.Compute(payload));
            _file.Write(header);
            _file.Write(payload);
            _file.Flush(_fsync);
        }
    }

    /// <summary>Replaces the file with a snapshot of the current state (atomic rename).</summary>
    public void Rewrite(IEnumerable<byte[]> entries)
    {
        lock (this)
        {
            var tmp = _path + ".tmp";
            using (var f = new FileStream(tmp, FileMode.Create, FileAccess.Write))
            {
                Span<byte> header = stackalloc byte[8];
                foreach (var payload in entries)
                {
                    BinaryPrimitives.WriteInt32BigEndian(header, payload.Length);
                    BinaryPrimitives.WriteUInt32BigEndian(header[4..], Crc32C.Compute(payload));
                    f.Write(header);
                    f.Write(payload);
                }
                f.Flush(true);
            }
            _file.Dispose();
            File.Move(tmp, _path, overwrite: true);
            _file = new FileStream(_path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
            _file.Position = _file.Length;
            _snapshotBytes = _file.Length;
        }
    }

    public void Dispose()
    {
        lock (this)
        {
            _file.Flush(true);
            _file.Dispose();
        }
    }
}
