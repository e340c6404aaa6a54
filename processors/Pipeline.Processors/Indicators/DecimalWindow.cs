// The last N values with their running sum, exact in System.Decimal: O(1) updates without floating-point drift.
namespace Pipeline.Processors.Indicators;

public sealed class DecimalWindow(int size)
{
    private readonly decimal[] _items = new decimal[size];
    private int _next;

    public int Size { get; } = size;
    public int Count { get; private set; }
    public decimal Sum { get; private set; }
    public bool Full => Count == Size;

    /// <summary>Adds a value; returns the value that fell out (0 while not full).</summary>
    public decimal Push(decimal value)
    {
        var dropped = Full ? _items[_next] : 0m;
        Sum += value - dropped;
        _items[_next] = value;
        _next = (_next + 1) % Size;
        if (!Full)
            Count++;
        return dropped;
    }

    /// <summary>The i-th value, oldest first.</summary>
    public decimal this[int i] => _items[(Full ? _next + i : i) % Size];

    public void Write(BinaryWriter w)
    {
        w.Write(Count);
        for (var i = 0; i < Count; i++)
            w.Write(this[i]);
        // The running sum itself: re-adding the values could round differently when they carry 28 digits.
        w.Write(Sum);
    }

    public void Read(BinaryReader r)
    {
        _next = 0;
        Count = 0;
        Sum = 0;
        var n = r.ReadInt32();
        for (var i = 0; i < n; i++)
            Push(r.ReadDecimal());
        Sum = r.ReadDecimal();
    }
}
