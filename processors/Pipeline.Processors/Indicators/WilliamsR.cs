namespace Pipeline.Processors.Indicators;

/// <summary>Williams %R: where the close sits in the N-bar high-low range, from 0 (at the high) to −100.</summary>
public sealed class WilliamsR(int period) : Indicator
{
    private readonly ExtremeWindow _range = new(period);
    public override string Name => $"willr({period})";
    public override IReadOnlyList<string> Fields { get; } = ["williamsR"];

    public override double?[] Update(in Bar bar)
    {
        _range.Push(bar.High, bar.Low);
        if (!_range.Full)
            return [null];
        var span = _range.Highest - _range.Lowest;
        return [span == 0 ? -100 : (double)(100m * (bar.Close - _range.Lowest) / span - 100m)];
    }

    public override void Write(BinaryWriter w) => _range.Write(w);

    public override void Read(BinaryReader r) => _range.Read(r);

    public override Indicator CloneEmpty() => new WilliamsR(period);
}
