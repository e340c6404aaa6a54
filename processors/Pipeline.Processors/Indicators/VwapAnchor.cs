// Where a VWAP starts over: at each UTC day (the default, a trader's session VWAP), each week (Monday 00:00 UTC, as
// candles align weeks) or never (cumulative from the series' first candle).
namespace Pipeline.Processors.Indicators;

public enum VwapAnchor
{
    Day,
    Week,
    None,
}
