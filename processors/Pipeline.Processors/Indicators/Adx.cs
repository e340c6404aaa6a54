namespace Pipeline.Processors.Indicators;

/// <summary>Average directional index with Wilder smoothing: +DI, −DI, DX and ADX (the first ADX averages N DX values).</summary>
public sealed class Adx(int period) : Indicator
{
    private int _count;
    private decimal _prevHigh,
        _prevLow,
        _prevClose;
    private double _tr,
        _pdm,
        _mdm,
        _dxSum,
        _adx;
    public override string Name => $"adx({period})";
    public override IReadOnlyList<string> Fields { get; } = ["pdi", "mdi", "dx", "adx"];

    public override double?[] Update(in Bar bar)
    {
        var i = _count++;
        var (ph, pl, pc) = (_prevHigh, _prevLow, _prevClose);
        (_prevHigh, _prevLow, _prevClose) = (bar.High, bar.Low, bar.Close);
        if (i == 0)
            return [null, null, null, null];
        var tr = (double)Math.Max(bar.High - bar.Low, Math.Max(Math.Abs(bar.High - pc), Math.Abs(bar.Low - pc)));
        var up = (double)(bar.High - ph);
        var down = (double)(pl - bar.Low);
        var pdm = up > down ? Math.Max(up, 0) : 0;
        var mdm = down > up ? Math.Max(down, 0) : 0;
        if (i <= period)
        {
            _tr += tr;
            _pdm += pdm;
            _mdm += mdm;
            if (i < period)
                return [null, null, null, null];
        }
        else
        {
            _tr = _tr - _tr / period + tr;
            _pdm = _pdm - _pdm / period + pdm;
            _mdm = _mdm - _mdm / period + mdm;
        }
        if (_tr == 0)
            return [null, null, null, null];
        var pdi = 100 * _pdm / _tr;
        var mdi = 100 * _mdm / _tr;
        var dx = pdi + mdi == 0 ? 0 : 100 * Math.Abs(pdi - mdi) / (pdi + mdi);
        double? adx = null;
        var n = i - period + 1; // DX values so far
        if (n < period)
            _dxSum += dx;
        else if (n == period)
        {
            _dxSum += dx;
            _adx = _dxSum / period;
            adx = _adx;
        }
        else
        {
            _adx = (_adx * (period - 1) + dx) / period;
            adx = _adx;
        }
        return [pdi, mdi, dx, adx];
    }

    public override void Write(BinaryWriter w)
    {
        w.Write(_count);
        w.Write(_prevHigh);
        w.Write(_prevLow);
        w.Write(_prevClose);
        w.Write(_tr);
        w.Write(_pdm);
        w.Write(_mdm);
        w.Write(_dxSum);
        w.Write(_adx);
    }

    public override void Read(BinaryReader r)
    {
        _count = r.ReadInt32();
        _prevHigh = r.ReadDecimal();
        _prevLow = r.ReadDecimal();
        _prevClose = r.ReadDecimal();
        _tr = r.ReadDouble();
        _pdm = r.ReadDouble();
        _mdm = r.ReadDouble();
        _dxSum = r.ReadDouble();
        _adx = r.ReadDouble();
    }

    public override Indicator CloneEmpty() => new Adx(period);
}
