namespace Pipeline.Processors.Indicators;

/// <summary>Simple moving average of closes.</summary>
public sealed class Sma(int period) : Indicator
{
    private readonly DecimalWindow _w = new(period);
    public override string Name => $"sma({period})";
    public override IReadOnlyList<string> Fields { get; } = ["sma"];

    public override double?[] Update(in Bar bar)
    {
        _w.Push(bar.Close);
        return [_w.Full ? (double)(_w.Sum / period) : null];
    }

    public override void Write(BinaryWriter w) => _w.Write(w);

    public override void Read(BinaryReader r) => _w.Read(r);

    public override Indicator CloneEmpty() => new Sma(period);
}
