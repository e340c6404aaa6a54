namespace Pipeline.Processors.Indicators;

/// <summary>Average true range with Wilder smoothing; also the true range and ATR as a percent of the close.</summary>
public sealed class Atr(int period) : Indicator
{
    private int _count;
    private decimal _prevClose;
    private double _atr;
    public override string Name => $"atr({period})";
    public override IReadOnlyList<string> Fields { get; } = ["tr", "atr", "atrp"];

    public override double?[] Update(in Bar bar)
    {
        var i = _count++;
        var prev = _prevClose;
        _prevClose = bar.Close;
        if (i == 0)
            return [null, null, null];
        var tr = (double)Math.Max(bar.High - bar.Low, Math.Max(Math.Abs(bar.High - prev), Math.Abs(bar.Low - prev)));
        if (i <= period)
        {
            _atr += tr;
            if (i < period)
                return [tr, null, null];
            _atr /= period;
        }
        else
            _atr = (_atr * (period - 1) + tr) / period;
        return [tr, _atr, bar.Close == 0 ? null : _atr / (double)bar.Close * 100];
    }

    public override void Write(BinaryWriter w)
    {
        w.Write(_count);
        w.Write(_prevClose);
        w.Write(_atr);
    }

    public override void Read(BinaryReader r)
    {
        _count = r.ReadInt32();
        _prevClose = r.ReadDecimal();
        _atr = r.ReadDouble();
    }

    public override Indicator CloneEmpty() => new Atr(period);
}
