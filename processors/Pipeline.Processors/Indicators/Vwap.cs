namespace Pipeline.Processors.Indicators;

/// <summary>Cumulative VWAP of the series from its first candle: Σ(typical price × volume) / Σ volume.</summary>
public sealed class Vwap : Indicator
{
    private decimal _pv, _v;
    public override string Name => "vwap";
    public override IReadOnlyList<string> Fields { get; } = ["vwap"];
    public override double?[] Update(in Bar bar)
    {
        _pv += (bar.High + bar.Low + bar.Close) / 3m * bar.Volume;
        _v += bar.Volume;
        return [_v == 0 ? null : (double)(_pv / _v)];
    }
    public override void Write(BinaryWriter w) { w.Write(_pv); w.Write(_v); }
    public override void Read(BinaryReader r) { _pv = r.ReadDecimal(); _v = r.ReadDecimal(); }
    public override Indicator CloneEmpty() => new Vwap();
}
