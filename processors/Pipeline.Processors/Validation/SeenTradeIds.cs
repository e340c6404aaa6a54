// Every trade id of one instrument accepted so far, as ranges of consecutive ids: venues number trades
// consecutively, so years of history take a handful of ranges, and a re-run import or a backfill overlapping
// what was stored is recognised as duplicate however old (a 2,048-id window forgot them; issue 18).
namespace Pipeline.Processors.Validation;

public sealed class SeenTradeIds(int maxRanges)
{
    // Sorted, disjoint, non-adjacent inclusive ranges.
    private readonly List<(long Lo, long Hi)> _ranges = new();

    public int RangeCount => _ranges.Count;

    public bool Contains(long id)
    {
        var i = IndexAtOrBefore(id);
        return i >= 0 && _ranges[i].Hi >= id;
    }

    public void Add(long id)
    {
        var i = IndexAtOrBefore(id);
        if (i >= 0 && _ranges[i].Hi >= id)
            return;
        var joinsLeft = i >= 0 && _ranges[i].Hi == id - 1;
        var joinsRight = i + 1 < _ranges.Count && _ranges[i + 1].Lo == id + 1;
        if (joinsLeft && joinsRight)
        {
            _ranges[i] = (_ranges[i].Lo, _ranges[i + 1].Hi);
            _ranges.RemoveAt(i + 1);
        }
        else if (joinsLeft)
            _ranges[i] = (_ranges[i].Lo, id);
        else if (joinsRight)
            _ranges[i + 1] = (id, _ranges[i + 1].Hi);
        else
        {
            _ranges.Insert(i + 1, (id, id));
            // Venues with sparse ids (Hyperliquid) fragment the set: beyond the cap the lowest ids are forgotten,
            // so the state (and its changelog record) stays bounded. Processing:DedupeWindow sets the cap.
            if (_ranges.Count > maxRanges)
                _ranges.RemoveAt(0);
        }
    }

    /// <summary>Index of the last range starting at or below <paramref name="id"/>; -1 when none does.</summary>
    private int IndexAtOrBefore(long id)
    {
        // The common case: the next id of the newest range.
        var last = _ranges.Count - 1;
        if (last < 0)
            return -1;
        if (_ranges[last].Lo <= id)
            return last;
        int lo = 0,
            hi = last;
        while (lo <= hi)
        {
            var mid = (lo + hi) >> 1;
            if (_ranges[mid].Lo <= id)
                lo = mid + 1;
            else
                hi = mid - 1;
        }
        return hi;
    }

    public void Write(BinaryWriter w)
    {
        w.Write(_ranges.Count);
        long prev = 0;
        foreach (var (lo, hi) in _ranges)
        {
            WriteZigZag(w, lo - prev);
            WriteZigZag(w, hi - lo);
            prev = hi;
        }
    }

    public void ReadInto(BinaryReader r)
    {
        var n = r.ReadInt32();
        long prev = 0;
        for (var i = 0; i < n; i++)
        {
            var lo = prev + ReadZigZag(r);
            var hi = lo + ReadZigZag(r);
            _ranges.Add((lo, hi));
            prev = hi;
        }
    }

    /// <summary>Reads the version-2 format (the last ids of a window, oldest first, as zigzag differences).</summary>
    public void ReadWindowInto(BinaryReader r)
    {
        var n = r.ReadInt32();
        long prev = 0;
        for (var i = 0; i < n; i++)
        {
            prev += ReadZigZag(r);
            Add(prev);
        }
    }

    private static void WriteZigZag(BinaryWriter w, long v) => w.Write7BitEncodedInt64((v << 1) ^ (v >> 63));

    private static long ReadZigZag(BinaryReader r)
    {
        var z = r.Read7BitEncodedInt64();
        return (long)((ulong)z >> 1) ^ -(z & 1);
    }
}
