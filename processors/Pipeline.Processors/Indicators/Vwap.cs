// Volume-weighted average price over closed candles: Σ(typical price × volume) / Σ volume, with the typical price
// (high + low + close) / 3 of each candle (the usual charting convention: an indicator reads the candle's OHLCV, not
// its trades). Anchored: the sums start over when a candle opens in a new UTC day (or week); anchor=none never resets.
// A candle belongs to the period its open time falls in, so on 1d and longer intervals each candle starts a new day
// and the daily VWAP equals that candle's typical price; vwap(anchor=week) is the one that spans candles on 1d.
using Pipeline.Schemas;

namespace Pipeline.Processors.Indicators;

public sealed class Vwap(VwapAnchor anchor = VwapAnchor.Day) : Indicator
{
    private static readonly CandleInterval Day = CandleInterval.Parse("1d");
    private static readonly CandleInterval Week = CandleInterval.Parse("1w");
    private decimal _pv,
        _v;

    // Open time of the anchor period the sums belong to; long.MinValue before the first candle.
    private long _periodUs = long.MinValue;

    public VwapAnchor Anchor { get; } = anchor;

    public override string Name =>
        Anchor switch
        {
            VwapAnchor.Day => "vwap",
            VwapAnchor.Week => "vwap(anchor=week)",
            _ => "vwap(anchor=none)",
        };

    public override IReadOnlyList<string> Fields { get; } = ["vwap"];

    public override double?[] Update(in Bar bar)
    {
        if (Anchor != VwapAnchor.None)
        {
            var period = PeriodOf(bar.OpenTimeUs);
            if (period != _periodUs)
            {
                _periodUs = period;
                _pv = 0;
                _v = 0;
            }
        }
        _pv += (bar.High + bar.Low + bar.Close) / 3m * bar.Volume;
        _v += bar.Volume;
        return [_v == 0 ? null : (double)(_pv / _v)];
    }

    private long PeriodOf(long openUs) => (Anchor == VwapAnchor.Week ? Week : Day).OpenTimeOf(openUs);

    // anchor=none writes exactly what the cumulative VWAP wrote before anchors existed (two decimals), so its state
    // from an old changelog reads unchanged; anchored ones add the period.
    public override void Write(BinaryWriter w)
    {
        w.Write(_pv);
        w.Write(_v);
        if (Anchor != VwapAnchor.None)
            w.Write(_periodUs);
    }

    public override void Read(BinaryReader r)
    {
        _pv = r.ReadDecimal();
        _v = r.ReadDecimal();
        if (Anchor != VwapAnchor.None)
            _periodUs = r.ReadInt64();
    }

    public override Indicator CloneEmpty() => new Vwap(Anchor);
}
