namespace Pipeline.Processors.Indicators;

/// <summary>Linearly weighted moving average of closes (newest weight N), updated in O(1) from the window sum.</summary>
public sealed class Wma(int period) : Indicator
{
    private readonly DecimalWindow _w = new(period);
    private decimal _weighted;
    private readonly decimal _divisor = period * (period + 1) / 2m;
    public override string Name => $"wma({period})";
    public override IReadOnlyList<string> Fields { get; } = ["wma"];

    public override double?[] Update(in Bar bar)
    {
        if (_w.Full)
        {
            // Every value loses one weight step (minus the window sum), the new one enters with weight N.
            _weighted += period * bar.Close - _w.Sum;
            _w.Push(bar.Close);
        }
        else
        {
            _w.Push(bar.Close);
            _weighted += _w.Count * bar.Close;
        }
        return [_w.Full ? (double)(_weighted / _divisor) : null];
    }

    public override void Write(BinaryWriter w)
    {
        _w.Write(w);
        w.Write(_weighted);
    }

    public override void Read(BinaryReader r)
    {
        _w.Read(r);
        _weighted = r.ReadDecimal();
    }

    public override Indicator CloneEmpty() => new Wma(period);
}
