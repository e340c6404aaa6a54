namespace Pipeline.Processors.Indicators;

/// <summary>Relative strength index with Wilder smoothing; the first value averages the first N changes.</summary>
public sealed class Rsi(int period) : Indicator
{
    private int _count;
    private decimal _prev;
    private double _avgGain,
        _avgLoss;
    public override string Name => $"rsi({period})";
    public override IReadOnlyList<string> Fields { get; } = ["rsi"];

    public override double?[] Update(in Bar bar)
    {
        var i = _count++;
        var change = (double)(bar.Close - _prev);
        _prev = bar.Close;
        if (i == 0)
            return [null];
        var gain = Math.Max(change, 0);
        var loss = Math.Max(-change, 0);
        if (i <= period)
        {
            _avgGain += gain;
            _avgLoss += loss;
            if (i < period)
                return [null];
            _avgGain /= period;
            _avgLoss /= period;
        }
        else
        {
            _avgGain = (_avgGain * (period - 1) + gain) / period;
            _avgLoss = (_avgLoss * (period - 1) + loss) / period;
        }
        return [_avgLoss > 0 ? 100 - 100 / (1 + _avgGain / _avgLoss) : 100];
    }

    public override void Write(BinaryWriter w)
    {
        w.Write(_count);
        w.Write(_prev);
        w.Write(_avgGain);
        w.Write(_avgLoss);
    }

    public override void Read(BinaryReader r)
    {
        _count = r.ReadInt32();
        _prev = r.ReadDecimal();
        _avgGain = r.ReadDouble();
        _avgLoss = r.ReadDouble();
    }

    public override Indicator CloneEmpty() => new Rsi(period);
}
