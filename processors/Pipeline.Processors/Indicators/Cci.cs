namespace Pipeline.Processors.Indicators;

/// <summary>Commodity channel index of the typical price. The mean absolute deviation needs the whole window,
/// so an update costs O(period), independent of the series length.</summary>
public sealed class Cci(int period) : Indicator
{
    private readonly DecimalWindow _tp = new(period);
    public override string Name => $"cci({period})";
    public override IReadOnlyList<string> Fields { get; } = ["cci"];

    public override double?[] Update(in Bar bar)
    {
        var tp = (bar.High + bar.Low + bar.Close) / 3m;
        _tp.Push(tp);
        if (!_tp.Full)
            return [null];
        var mean = _tp.Sum / period;
        var dev = 0m;
        for (var i = 0; i < period; i++)
            dev += Math.Abs(_tp[i] - mean);
        dev /= period;
        return [dev == 0 ? null : (double)((tp - mean) / (0.015m * dev))];
    }

    public override void Write(BinaryWriter w) => _tp.Write(w);

    public override void Read(BinaryReader r) => _tp.Read(r);

    public override Indicator CloneEmpty() => new Cci(period);
}
