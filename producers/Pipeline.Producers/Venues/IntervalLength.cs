// Candle interval lengths for the producers until the contracts layer's CandleInterval replaces them (one copy here).
using System.Globalization;

namespace Pipeline.Producers.Venues;

public static class IntervalLength
{
    /// <summary>"1m", "4h", "1d", "1w" → µs; ArgumentException for an unknown unit.</summary>
    public static long Of(string interval)
    {
        var n = long.Parse(interval[..^1], CultureInfo.InvariantCulture);
        return interval[^1] switch
        {
            'm' => n * 60_000_000L,
            'h' => n * 3_600_000_000L,
            'd' => n * 86_400_000_000L,
            'w' => n * 7 * 86_400_000_000L,
            _ => throw new ArgumentException($"interval '{interval}' has an unknown unit"),
        };
    }
}
