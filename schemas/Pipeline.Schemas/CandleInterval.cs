// The candle intervals every role agrees on: names, lengths and alignment, the way Binance aligns its klines.
using System.Diagnostics.CodeAnalysis;

namespace Pipeline.Schemas;

/// <summary>
/// One of the 14 candle intervals. Every interval is a fixed number of microseconds aligned to the UTC epoch
/// (so 3d candles open on 1970-01-01 + 3k days, as Binance's do), except 1w, which opens on Monday 00:00 UTC
/// (1970-01-01 was a Thursday, so weeks are aligned to the epoch plus four days).
/// </summary>
public sealed class CandleInterval
{
    private const long MinuteUs = 60_000_000L;
    private const long DayUs = 24 * 60 * MinuteUs;
    private const long WeekOffsetUs = 4 * DayUs;

    private CandleInterval(int index, string name, long durationUs, long offsetUs)
    {
        Index = index;
        Name = name;
        DurationUs = durationUs;
        OffsetUs = offsetUs;
    }

    /// <summary>Position in <see cref="All"/> (shortest first): lets per-interval state live in arrays.</summary>
    public int Index { get; }

    /// <summary>The interval's name as Binance spells it ("1m", "4h", "1w").</summary>
    public string Name { get; }

    public long DurationUs { get; }

    public TimeSpan Duration => TimeSpan.FromMicroseconds(DurationUs);

    private long OffsetUs { get; }

    public static IReadOnlyList<CandleInterval> All { get; } = Build();

    public static IReadOnlyList<string> Names { get; } = All.Select(i => i.Name).ToArray();

    public static CandleInterval OneMinute => All[0];

    /// <summary>Start of the interval that contains <paramref name="timeUs"/> (a floor, also for times before the epoch).</summary>
    public long OpenTimeOf(long timeUs)
    {
        var shifted = timeUs - OffsetUs;
        var floor = shifted - (((shifted % DurationUs) + DurationUs) % DurationUs);
        return floor + OffsetUs;
    }

    /// <summary>The open time of the first candle that opens at or after <paramref name="timeUs"/>.</summary>
    public long FirstOpenAtOrAfter(long timeUs)
    {
        var open = OpenTimeOf(timeUs);
        return open == timeUs ? open : open + DurationUs;
    }

    /// <summary>True when <paramref name="timeUs"/> is the open time of one of this interval's candles.</summary>
    public bool IsAligned(long timeUs) => OpenTimeOf(timeUs) == timeUs;

    /// <summary>The interval with this name, or null.</summary>
    public static CandleInterval? Find(string? name)
    {
        foreach (var i in All)
            if (string.Equals(i.Name, name, StringComparison.Ordinal))
                return i;
        return null;
    }

    public static bool TryParse(string? name, [NotNullWhen(true)] out CandleInterval? interval)
    {
        interval = Find(name);
        return interval is not null;
    }

    /// <summary>The interval with this name; a FormatException that lists the valid names otherwise.</summary>
    public static CandleInterval Parse(string name) =>
        Find(name) ?? throw new FormatException($"interval '{name}' is not one of {string.Join(", ", Names)}");

    /// <summary>The interval that lasts exactly <paramref name="durationUs"/>, or null.</summary>
    public static CandleInterval? WithDuration(long durationUs)
    {
        foreach (var i in All)
            if (i.DurationUs == durationUs)
                return i;
        return null;
    }

    public override string ToString() => Name;

    private static CandleInterval[] Build()
    {
        (string Name, long Us)[] spec =
        [
            ("1m", MinuteUs),
            ("3m", 3 * MinuteUs),
            ("5m", 5 * MinuteUs),
            ("15m", 15 * MinuteUs),
            ("30m", 30 * MinuteUs),
            ("1h", 60 * MinuteUs),
            ("2h", 120 * MinuteUs),
            ("4h", 240 * MinuteUs),
            ("6h", 360 * MinuteUs),
            ("8h", 480 * MinuteUs),
            ("12h", 720 * MinuteUs),
            ("1d", DayUs),
            ("3d", 3 * DayUs),
            ("1w", 7 * DayUs),
        ];
        var all = new CandleInterval[spec.Length];
        for (var i = 0; i < spec.Length; i++)
            all[i] = new CandleInterval(i, spec[i].Name, spec[i].Us, spec[i].Name == "1w" ? WeekOffsetUs : 0);
        return all;
    }
}
