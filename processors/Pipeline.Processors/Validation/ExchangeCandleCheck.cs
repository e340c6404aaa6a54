// Checks a venue's own candle before it is passed on for comparison with ours.
using Pipeline.Processors.Candles;
using Pipeline.Schemas;
using Pipeline.Schemas.V1;

namespace Pipeline.Processors.Validation;

public static class ExchangeCandleCheck
{
    public static Rejection? Check(Candle c, IReadOnlySet<string> known)
    {
        if (c.Instrument is null || !known.Contains(c.Instrument.Key))
            return new(DeadLetterReasons.UnknownInstrument, $"candle for unregistered instrument {c.Instrument?.Key}");
        var interval = CandleInterval.Find(c.Interval);
        if (interval is null)
            return new(DeadLetterReasons.UnknownInterval, $"interval '{c.Interval}' is not one of 1m..1w");
        if (interval.OpenTimeOf(c.OpenTimeUs) != c.OpenTimeUs)
            return new(DeadLetterReasons.MisalignedOpenTime, $"open time {c.OpenTimeUs} us is not aligned to {c.Interval}");
        // Venues report the end inclusively (Binance: open + duration - 1 ms) or exclusively; both name the same interval.
        var end = c.OpenTimeUs + interval.DurationUs;
        if (c.CloseTimeUs != 0 && c.CloseTimeUs != end && c.CloseTimeUs != end - 1000)
            return new(
                DeadLetterReasons.WrongCloseTime,
                $"close time {c.CloseTimeUs} us does not end the {c.Interval} interval at {end} us"
            );
        if (c.Open is null || c.High is null || c.Low is null || c.Close is null)
            return new(DeadLetterReasons.MissingPrice, "candle lacks open, high, low or close");
        if (new[] { c.Open, c.High, c.Low, c.Close }.Any(d => d.Scale > 28))
            return new(DeadLetterReasons.Malformed, "a price has a decimal scale above 28");
        decimal o = c.Open,
            h = c.High,
            l = c.Low,
            cl = c.Close;
        if (l <= 0)
            return new(DeadLetterReasons.PriceNotPositive, $"low {l} is not positive");
        if (h < Math.Max(o, cl) || l > Math.Min(o, cl) || h < l)
            return new(DeadLetterReasons.InconsistentOhlc, $"high {h} / low {l} do not enclose open {o} and close {cl}");
        if (c.Volume is not null && (c.Volume.Scale > 28 || c.Volume.ToDecimal() < 0))
            return new(DeadLetterReasons.VolumeNegative, "volume is negative or malformed");
        return null;
    }
}
