// The last N trade ids of one instrument, to suppress duplicates (a producer retry, a replayed page).
namespace Pipeline.Processors.Validation;

public sealed class DedupeWindow
{
    private readonly long[] _ring;
    private readonly HashSet<long> _seen;
    private int _next;
    private int _count;

    public DedupeWindow(int capacity)
    {
        _ring = new long[capacity];
        _seen = new HashSet<long>(capacity);
    }

    public bool Contains(long id) => _seen.Contains(id);

    public void Add(long id)
    {
        if (_count == _ring.Length) _seen.Remove(_ring[_next]);
        else _count++;
        _ring[_next] = id;
        _seen.Add(id);
        _next = (_next + 1) % _ring.Length;
    }

    public void Write(BinaryWriter w)
    {
        w.Write(_count);
        // Oldest first, so reading back re-adds in the same order; as zigzag varint differences, since ids
        // mostly grow by one (a 2048-id window takes ~2 KB instead of 16 KB in every changelog record).
        var start = _count == _ring.Length ? _next : 0;
        long prev = 0;
        for (var i = 0; i < _count; i++)
        {
            var id = _ring[(start + i) % _ring.Length];
            var diff = id - prev;
            w.Write7BitEncodedInt64((diff << 1) ^ (diff >> 63));
            prev = id;
        }
    }

    public void ReadInto(BinaryReader r)
    {
        var n = r.ReadInt32();
        long prev = 0;
        for (var i = 0; i < n; i++)
        {
            var z = r.Read7BitEncodedInt64();
            prev += (long)((ulong)z >> 1) ^ -(z & 1);
            Add(prev);
        }
    }
}
