namespace Pipeline.Processors.Indicators;

/// <summary>Slow stochastic: %K over N bars smoothed by an SMA, %D its SMA, %J = 3K − 2D.</summary>
public sealed class Stochastic(int period, int signal, int smooth) : Indicator
{
    private readonly ExtremeWindow _range = new(period);
    private readonly DecimalWindow _k = new(smooth);
    private readonly DecimalWindow _d = new(signal);
    public override string Name => $"stoch({period},{signal},{smooth})";
    public override IReadOnlyList<string> Fields { get; } = ["oscillator", "signal", "percentJ"];

    public override double?[] Update(in Bar bar)
    {
        _range.Push(bar.High, bar.Low);
        if (!_range.Full)
            return [null, null, null];
        var span = _range.Highest - _range.Lowest;
        var raw = span == 0 ? 0m : 100m * (bar.Close - _range.Lowest) / span;
        _k.Push(raw);
        if (!_k.Full)
            return [null, null, null];
        var k = _k.Sum / smooth;
        _d.Push(k);
        if (!_d.Full)
            return [(double)k, null, null];
        var d = _d.Sum / signal;
        return [(double)k, (double)d, (double)(3 * k - 2 * d)];
    }

    public override void Write(BinaryWriter w)
    {
        _range.Write(w);
        _k.Write(w);
        _d.Write(w);
    }

    public override void Read(BinaryReader r)
    {
        _range.Read(r);
        _k.Read(r);
        _d.Read(r);
    }

    public override Indicator CloneEmpty() => new Stochastic(period, signal, smooth);
}
