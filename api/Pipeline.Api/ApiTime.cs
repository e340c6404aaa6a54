// Times in the API: ISO-8601 UTC out with exactly 6 fractional digits (so they sort as strings); ISO-8601 or Unix
// milliseconds in. Stored as microseconds since the epoch.
using System.Globalization;

namespace Pipeline.Api;

public static class ApiTime
{
    public static DateTime ToDateTime(long us) => DateTime.UnixEpoch.AddTicks(us * 10);

    public static long ToMicroseconds(DateTime utc) => (utc.ToUniversalTime() - DateTime.UnixEpoch).Ticks / 10;

    public static string Format(long us) => ToDateTime(us).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    public static string Format(DateTime utc) => Format(ToMicroseconds(utc));

    public static bool TryParse(string text, out long us)
    {
        us = 0;
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var ms))
        {
            if (ms is < 0 or > 32_503_680_000_000)
                return false; // year 3000
            us = ms * 1000;
            return true;
        }
        if (
            DateTimeOffset.TryParse(
                text,
                CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal,
                out var t
            ) && t.Year is >= 1970 and < 3000
        )
        {
            us = ToMicroseconds(t.UtcDateTime);
            return true;
        }
        return false;
    }
}
