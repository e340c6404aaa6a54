// The candle intervals the API accepts, as fixed steps aligned to the UTC epoch (like the aggregator's windows).
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

    /// <summary>The start of the interval that contains <paramref name="us"/>.</summary>
    public long Floor(long us) => us - (((us % Microseconds) + Microseconds) % Microseconds);
}
