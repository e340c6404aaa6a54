// An EMA seeded with the simple average of its first N inputs (the convention of the reference tables).
namespace Pipeline.Processors.Indicators;

public sealed class ExponentialAverage(int period)
{
    private readonly double _k = 2.0 / (period + 1);
    private int _count;
    private double _sum;
    public double? Value { get; private set; }

    public double? Push(double x)
    {
        if (Value is { } v)
            Value = v + _k * (x - v);
        else
        {
            _sum += x;
            if (++_count == period)
                Value = _sum / period;
        }
        return Value;
    }

    public void Write(BinaryWriter w)
    {
        w.Write(_count);
        w.Write(_sum);
        w.Write(Value.HasValue);
        w.Write(Value ?? 0);
    }

    public void Read(BinaryReader r)
    {
        _count = r.ReadInt32();
        _sum = r.ReadDouble();
        var has = r.ReadBoolean();
        var v = r.ReadDouble();
        Value = has ? v : null;
    }
}
