// The open times of one interval's candles that were closed and then dropped from memory (beyond the revision
// horizon), as ranges. A late trade may only start a candle where none was ever dropped: a dropped candle would
// come back holding that one trade and overwrite the stored one. Anywhere else — history loaded out of order,
// a day imported after the next one — is a candle that never existed, and late data builds it (issue 18).
namespace Pipeline.Processors.Candles;

public sealed class EvictedSpans(long durationUs)
{
    // Beyond this many ranges the two lowest merge: the gap between them counts as dropped (the safe side: a late
    // trade there is refused as before) and the state stays bounded for instruments that trade rarely.
    private const int MaxRanges = 4_096;
    private readonly List<(long Lo, long Hi)> _ranges = new();

    public int Count => _ranges.Count;

    public bool Contains(long openUs)
    {
        var i = IndexAtOrBefore(openUs);
        return i >= 0 && _ranges[i].Hi >= openUs;
    }

    public void Add(long openUs) => AddRange(openUs, openUs);

    /// <summary>Marks every open time from <paramref name="lo"/> through <paramref name="hi"/> as dropped.</summary>
    public void AddRange(long lo, long hi)
    {
        var i = IndexAtOrBefore(lo);
        if (i >= 0 && _ranges[i].Hi + durationUs >= lo)
        {
            // Joins or overlaps the range before.
            _ranges[i] = (_ranges[i].Lo, Math.Max(_ranges[i].Hi, hi));
        }
        else
        {
            i++;
            _ranges.Insert(i, (lo, hi));
        }
        // Swallow following ranges it now touches.
        while (i + 1 < _ranges.Count && _ranges[i + 1].Lo <= _ranges[i].Hi + durationUs)
        {
            _ranges[i] = (_ranges[i].Lo, Math.Max(_ranges[i].Hi, _ranges[i + 1].Hi));
            _ranges.RemoveAt(i + 1);
        }
        if (_ranges.Count > MaxRanges)
        {
            _ranges[0] = (_ranges[0].Lo, _ranges[1].Hi);
            _ranges.RemoveAt(1);
        }
    }

    private int IndexAtOrBefore(long openUs)
    {
        int lo = 0,
            hi = _ranges.Count - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >> 1;
            if (_ranges[mid].Lo <= openUs)
                lo = mid + 1;
            else
                hi = mid - 1;
        }
        return hi;
    }

    public void Write(BinaryWriter w)
    {
        w.Write7BitEncodedInt(_ranges.Count);
        foreach (var (lo, hi) in _ranges)
        {
            w.Write(lo);
            w.Write7BitEncodedInt64((hi - lo) / durationUs);
        }
    }

    public void Clear() => _ranges.Clear();

    public void ReadInto(BinaryReader r)
    {
        var n = r.Read7BitEncodedInt();
        for (var i = 0; i < n; i++)
        {
            var lo = r.ReadInt64();
            _ranges.Add((lo, lo + r.Read7BitEncodedInt64() * durationUs));
        }
    }
}
