namespace Pipeline.Processors.Indicators;

/// <summary>On-balance volume: add the volume on up closes, subtract it on down closes (0 on the first bar).</summary>
public sealed class Obv : Indicator
{
    private bool _started;
    private decimal _prevClose,
        _obv;
    public override string Name => "obv";
    public override IReadOnlyList<string> Fields { get; } = ["obv"];

    public override double?[] Update(in Bar bar)
    {
        if (_started)
        {
            if (bar.Close > _prevClose)
                _obv += bar.Volume;
            else if (bar.Close < _prevClose)
                _obv -= bar.Volume;
        }
        _started = true;
        _prevClose = bar.Close;
        return [(double)_obv];
    }

    public override void Write(BinaryWriter w)
    {
        w.Write(_started);
        w.Write(_prevClose);
        w.Write(_obv);
    }

    public override void Read(BinaryReader r)
    {
        _started = r.ReadBoolean();
        _prevClose = r.ReadDecimal();
        _obv = r.ReadDecimal();
    }

    public override Indicator CloneEmpty() => new Obv();
}
