namespace Pipeline.Processors.Indicators;

/// <summary>Exponential moving average of closes (k = 2 / (N + 1), seeded with the SMA of the first N).</summary>
public sealed class Ema(int period) : Indicator
{
    private readonly ExponentialAverage _ema = new(period);
    public override string Name => $"ema({period})";
    public override IReadOnlyList<string> Fields { get; } = ["ema"];

    public override double?[] Update(in Bar bar) => [_ema.Push((double)bar.Close)];

    public override void Write(BinaryWriter w) => _ema.Write(w);

    public override void Read(BinaryReader r) => _ema.Read(r);

    public override Indicator CloneEmpty() => new Ema(period);
}
