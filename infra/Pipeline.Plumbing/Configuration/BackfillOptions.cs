// Backfill jobs and the producers' catch-up: how far back the catch-up reaches and how often it runs.
using System.Globalization;

namespace Pipeline.Plumbing.Configuration;

public sealed class BackfillOptions
{
    /// <summary>Run the catch-up (on start and every CatchUpEvery) for every live listing and interval; needs LiveExchanges.</summary>
    public bool CatchUp { get; set; } = true;

    /// <summary>How far back the catch-up reaches on its first run: "7d", "730d" (2 years), "max" (the venue's depth) or a
    /// date (2024-01-01). Later runs continue from where the last one ended (venue.coverage).</summary>
    public string CatchUpStart { get; set; } = "7d";

    /// <summary>How often the catch-up runs: "12h", "30m", "1d".</summary>
    public string CatchUpEvery { get; set; } = "12h";

    /// <summary>Days back (null for "max" or a date), the date in µs (null unless a date). Throws FormatException.</summary>
    public (int? Days, long? DateUs) Start()
    {
        var t = CatchUpStart.Trim();
        if (t.Equals("max", StringComparison.OrdinalIgnoreCase))
            return (null, null);
        if (t.EndsWith('d') && int.TryParse(t[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var days) && days > 0)
            return (days, null);
        if (
            DateTimeOffset.TryParse(
                t,
                CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal,
                out var date
            )
        )
            return (null, date.ToUnixTimeMilliseconds() * 1000);
        throw new FormatException($"'{CatchUpStart}' is neither a number of days (7d, 730d), max nor a date (2024-01-01)");
    }

    public IEnumerable<string> Problems()
    {
        string? start = null,
            every = null;
        try
        {
            _ = Start();
        }
        catch (FormatException e)
        {
            start = e.Message;
        }
        try
        {
            _ = TwapOptions.ParseInterval(CatchUpEvery);
        }
        catch (FormatException e)
        {
            every = e.Message;
        }
        if (start is not null)
            yield return $"configuration: Backfill:CatchUpStart {start} (PIPELINE__BACKFILL__CATCHUPSTART)";
        if (every is not null)
            yield return $"configuration: Backfill:CatchUpEvery {every} (PIPELINE__BACKFILL__CATCHUPEVERY)";
    }
}
