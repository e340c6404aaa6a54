namespace Pipeline.Processors.Indicators;

/// <summary>MACD: fast EMA − slow EMA of closes, its signal EMA (seeded with the SMA of the first values), and the histogram.</summary>
public sealed class Macd(int fast, int slow, int signal) : Indicator
{
    private readonly ExponentialAverage _fast = new(fast),
        _slow = new(slow),
        _signal = new(signal);
    public override string Name => $"macd({fast},{slow},{signal})";
    public override IReadOnlyList<string> Fields { get; } = ["macd", "signal", "histogram"];

    public override double?[] Update(in Bar bar)
    {
        var c = (double)bar.Close;
        var f = _fast.Push(c);
        var s = _slow.Push(c);
        if (f is null || s is null)
            return [null, null, null];
        var macd = f.Value - s.Value;
        var sig = _signal.Push(macd);
        return [macd, sig, macd - sig];
    }

    public override void Write(BinaryWriter w)
    {
        _fast.Write(w);
        _slow.Write(w);
        _signal.Write(w);
    }

    public override void Read(BinaryReader r)
    {
        _fast.Read(r);
        _slow.Read(r);
        _signal.Read(r);
    }

    public override Indicator CloneEmpty() => new Macd(fast, slow, signal);
}
