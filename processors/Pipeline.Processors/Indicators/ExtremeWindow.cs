// Highest high and lowest low of the last N bars: monotonic queues, amortised O(1) per bar.
namespace Pipeline.Processors.Indicators;

public sealed class ExtremeWindow(int size)
{
    private readonly LinkedList<(long Index, decimal Value)> _max = new();
    private readonly LinkedList<(long Index, decimal Value)> _min = new();
    private long _index;

    public int Size { get; } = size;
    public bool Full => _index >= Size;
    public decimal Highest => _max.First!.Value.Value;
    public decimal Lowest => _min.First!.Value.Value;

    public void Push(decimal high, decimal low)
    {
        while (_max.Count > 0 && _max.Last!.Value.Value <= high)
            _max.RemoveLast();
        _max.AddLast((_index, high));
        while (_min.Count > 0 && _min.Last!.Value.Value >= low)
            _min.RemoveLast();
        _min.AddLast((_index, low));
        _index++;
        while (_max.First!.Value.Index <= _index - 1 - Size)
            _max.RemoveFirst();
        while (_min.First!.Value.Index <= _index - 1 - Size)
            _min.RemoveFirst();
    }

    public void Write(BinaryWriter w)
    {
        w.Write(_index);
        foreach (var q in new[] { _max, _min })
        {
            w.Write(q.Count);
            foreach (var (i, v) in q)
            {
                w.Write(i);
                w.Write(v);
            }
        }
    }

    public void Read(BinaryReader r)
    {
        _index = r.ReadInt64();
        foreach (var q in new[] { _max, _min })
        {
            q.Clear();
            var n = r.ReadInt32();
            for (var k = 0; k < n; k++)
                q.AddLast((r.ReadInt64(), r.ReadDecimal()));
        }
    }
}
