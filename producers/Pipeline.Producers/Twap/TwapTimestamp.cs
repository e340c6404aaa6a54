// Times in the TWAP Parquet objects: Parquet timestamps of any unit, or plain integers in s, ms, µs or ns.
using System.Globalization;

namespace Pipeline.Producers.Twap;

public static class TwapTimestamp
{
    // Integer times carry no unit, so the magnitude tells it: any time between 2001 and 2286 has 10 digits in seconds,
    // 13 in ms, 16 in µs and 19 in ns. Times before 2001 are not TWAP data (Hyperliquid started in 2023).
    private const long MinSeconds = 1_000_000_000;

    /// <summary>Microseconds since the Unix epoch (UTC); nanoseconds are truncated.</summary>
    public static long ToMicroseconds(object value, string name)
    {
        long us = value switch
        {
            DateTime t => (t.Kind == DateTimeKind.Local ? t.ToUniversalTime() : t).Ticks / 10 - DateTime.UnixEpoch.Ticks / 10,
            DateTimeOffset t => (t.UtcTicks - DateTime.UnixEpoch.Ticks) / 10,
            long l => FromInteger(l, name),
            int i => FromInteger(i, name),
            ulong u when u <= long.MaxValue => FromInteger((long)u, name),
            string s when long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var l) => FromInteger(l, name),
            string s when DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) => (
                t.UtcTicks - DateTime.UnixEpoch.Ticks
            ) / 10,
            _ => throw new FormatException($"{name} '{value}' is not a time"),
        };
        if (us < MinSeconds * 1_000_000)
            throw new FormatException($"{name} '{value}' is before 2001: not a TWAP time");
        return us;
    }

    private static long FromInteger(long v, string name) =>
        v switch
        {
            < MinSeconds => throw new FormatException($"{name} {v} is not a Unix time in s, ms, µs or ns after 2001"),
            < MinSeconds * 1000 => v * 1_000_000,
            < MinSeconds * 1_000_000 => v * 1000,
            < MinSeconds * 1_000_000_000 => v,
            _ => v / 1000,
        };
}
