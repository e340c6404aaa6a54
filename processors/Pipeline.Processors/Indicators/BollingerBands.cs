namespace Pipeline.Processors.Indicators;

/// <summary>Bollinger Bands: SMA ± k population standard deviations, from exact running sums of x and x².</summary>
public sealed class BollingerBands(int period, decimal deviations) : Indicator
{
    private readonly DecimalWindow _x = new(period);
    private readonly DecimalWindow _x2 = new(period);
    public override string Name => $"bb({period},{deviations.ToString(System.Globalization.CultureInfo.InvariantCulture)})";
    public override IReadOnlyList<string> Fields { get; } = ["sma", "upperBand", "lowerBand", "percentB", "zScore", "width"];

    public override double?[] Update(in Bar bar)
    {
        _x.Push(bar.Close);
        _x2.Push(bar.Close * bar.Close);
        if (!_x.Full)
            return [null, null, null, null, null, null];
        var mean = _x.Sum / period;
        var variance = Math.Max(0, _x2.Sum / period - mean * mean);
        var sd = Math.Sqrt((double)variance);
        var m = (double)mean;
        var k = (double)deviations;
        var upper = m + k * sd;
        var lower = m - k * sd;
        var c = (double)bar.Close;
        return
        [
            m,
            upper,
            lower,
            upper == lower ? null : (c - lower) / (upper - lower),
            sd == 0 ? null : (c - m) / sd,
            m == 0 ? null : (upper - lower) / m,
        ];
    }

    public override void Write(BinaryWriter w)
    {
        _x.Write(w);
        _x2.Write(w);
    }

    public override void Read(BinaryReader r)
    {
        _x.Read(r);
        _x2.Read(r);
    }

    public override Indicator CloneEmpty() => new BollingerBands(period, deviations);
}
