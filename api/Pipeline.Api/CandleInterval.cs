// The candle intervals the API accepts: fixed steps aligned like Binance's klines (weeks start on Monday 00:00 UTC,
// everything else, 3d included, counts from the epoch), as the aggregator aligns its windows.
namespace Pipeline.Api;

public readonly record struct CandleInterval(string Name, long Microseconds)
{
    private static readonly Dictionary<string, long> Steps = new(StringComparer.Ordinal)
    {
        ["1m"] = 60, ["3m"] = 180, ["5m"] = 300, ["15m"] = 900, ["30m"] = 1800,
        ["1h"] = 3600, ["2h"] = 7200, ["4h"] = 14_400, ["6h"] = 21_600, ["8h"] = 28_800, ["12h"] = 43_200,
        ["1d"] = 86_400, ["3d"] = 259_200, ["1w"] = 604_800,
    };

    public static IEnumerable<string> Names => Steps.Keys;

    public static bool TryParse(string? text, out CandleInterval interval)
    {
        if (text is not null && Steps.TryGetValue(text, out var seconds))
        {
            interval = new CandleInterval(text, seconds * 1_000_000);
            return true;
        }
        interval = default;
        return false;
    }

    // 1970-01-01 was a Thursday; the first Monday 00:00 UTC is 4 days later.
    private const long MondayUs = 4L * 86_400_000_000;

    /// <summary>Where steps are counted from: Monday 1970-01-05 for weeks, the epoch otherwise.</summary>
    public long OriginUs => Name == "1w" ? MondayUs : 0;

    /// <summary>The start of the interval that contains <paramref name="us"/>.</summary>
    public long Floor(long us)
    {
        var offset = us - OriginUs;
        return us - (((offset % Microseconds) + Microseconds) % Microseconds);
    }

    /// <summary>The start of the first interval that begins at or after <paramref name="us"/>.</summary>
    public long Ceiling(long us) => Floor(us) == us ? us : Floor(us) + Microseconds;

    public bool IsBoundary(long us) => Floor(us) == us;
}
