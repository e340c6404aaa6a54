// The 14 candle intervals, aligned to the UTC epoch the way Binance aligns klines (1w opens Monday 00:00 UTC).
namespace Pipeline.Processors.Candles;

public sealed class CandleInterval
{
    private const long MinuteUs = 60_000_000L;
    private const long DayUs = 24 * 60 * MinuteUs;
    // 1970-01-01 was a Thursday: weeks start 4 days after the epoch.
    private const long WeekOffsetUs = 4 * DayUs;

    private CandleInterval(int index, string name, long durationUs, long offsetUs)
    {
        Index = index;
        Name = name;
        DurationUs = durationUs;
        OffsetUs = offsetUs;
    }

    public int Index { get; }
    public string Name { get; }
    public long DurationUs { get; }
    private long OffsetUs { get; }

    public static IReadOnlyList<CandleInterval> All { get; } = Build();

    /// <summary>Start of the interval that contains <paramref name="timeUs"/> (floor, also for times before the epoch).</summary>
    public long OpenTimeOf(long timeUs)
    {
        var shifted = timeUs - OffsetUs;
        var floor = shifted - (((shifted % DurationUs) + DurationUs) % DurationUs);
        return floor + OffsetUs;
    }

    public static CandleInterval? Find(string name)
    {
        foreach (var i in All) if (i.Name == name) return i;
        return null;
    }

    public override string ToString() => Name;

    private static CandleInterval[] Build()
    {
        (string Name, long Us)[] spec =
        [
            ("1m", MinuteUs), ("3m", 3 * MinuteUs), ("5m", 5 * MinuteUs), ("15m", 15 * MinuteUs), ("30m", 30 * MinuteUs),
            ("1h", 60 * MinuteUs), ("2h", 120 * MinuteUs), ("4h", 240 * MinuteUs), ("6h", 360 * MinuteUs),
            ("8h", 480 * MinuteUs), ("12h", 720 * MinuteUs), ("1d", DayUs), ("3d", 3 * DayUs), ("1w", 7 * DayUs),
        ];
        var all = new CandleInterval[spec.Length];
        for (var i = 0; i < spec.Length; i++)
            all[i] = new CandleInterval(i, spec[i].Name, spec[i].Us, spec[i].Name == "1w" ? WeekOffsetUs : 0);
        return all;
    }
}
