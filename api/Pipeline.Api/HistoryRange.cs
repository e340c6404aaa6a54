// The start/end/limit parameters shared by the history routes, validated into one range.
namespace Pipeline.Api;

/// <param name="Latest">No start and no cursor: the answer is the <see cref="Limit"/> latest rows before end that exist
/// (however old), not the rows of the last few intervals before now.</param>
public sealed record HistoryRange(long StartUs, long EndUs, int Limit, bool Latest = false)
{
    public const int DefaultLimit = 1000;
    public const int MaxLimit = 10_000;

    /// <summary>A candle request may span at most this many intervals (about 19 months of 1m candles).</summary>
    public const long MaxIntervals = 1_000_000;

    /// <summary>Rows a paged reader asks for: the latest rows newest first, exactly <see cref="Limit"/>; a forward page
    /// one more, to learn whether another page follows.</summary>
    public int RowsToRead => Latest ? Limit : Limit + 1;

    /// <summary>Turns the rows read (<see cref="RowsToRead"/>) into the page, oldest first and at most
    /// <see cref="Limit"/>: whether a next page follows, and where the page starts (a latest-rows page at its oldest row,
    /// or at end when it is empty).</summary>
    public (bool More, long StartUs) ShapePage<T>(List<T> rows, Func<T, long> timeUs)
    {
        if (Latest)
            rows.Reverse();
        var more = rows.Count > Limit;
        if (more)
            rows.RemoveRange(Limit, rows.Count - Limit);
        return (more, Latest ? (rows.Count > 0 ? timeUs(rows[0]) : EndUs) : StartUs);
    }

    /// <summary>Parses start/end/limit. Without end, the range runs to <paramref name="defaultEndUs"/> (the end of the
    /// current interval, aligned by the interval's own rule); without start, it covers <paramref name="defaultSpanUs"/>
    /// before end. A span above <paramref name="maxSpanUs"/> is a 400.</summary>
    public static HistoryRange Parse(IQueryCollection query, long defaultEndUs, long defaultSpanUs, long maxSpanUs) =>
        Parse(
            query["start"].ToString(),
            query["end"].ToString(),
            query["limit"].ToString(),
            query["cursor"].ToString(),
            defaultEndUs,
            defaultSpanUs,
            maxSpanUs
        );

    /// <summary>The same from the parameters' text (null or empty = not given).</summary>
    public static HistoryRange Parse(
        string? startText,
        string? endText,
        string? limitText,
        string? cursorText,
        long defaultEndUs,
        long defaultSpanUs,
        long maxSpanUs
    )
    {
        var limit = DefaultLimit;
        if (limitText is { Length: > 0 } l)
        {
            if (!int.TryParse(l, out limit) || limit is < 1 or > MaxLimit)
                throw ApiProblem.BadParameter("limit", $"limit '{l}' must be a whole number from 1 to {MaxLimit}");
        }
        long end = defaultEndUs;
        if (endText is { Length: > 0 } e && !ApiTime.TryParse(e, out end))
            throw ApiProblem.BadParameter("end", $"end '{e}' is not a time; use ISO-8601 UTC (2026-01-31T00:00:00Z) or Unix milliseconds");
        long start;
        var latest = false;
        if (startText is { Length: > 0 } s)
        {
            if (!ApiTime.TryParse(s, out start))
                throw ApiProblem.BadParameter(
                    "start",
                    $"start '{s}' is not a time; use ISO-8601 UTC (2026-01-31T00:00:00Z) or Unix milliseconds"
                );
        }
        else
        {
            start = Math.Max(0, end - defaultSpanUs);
            latest = string.IsNullOrEmpty(cursorText);
        }
        if (start >= end)
            throw ApiProblem.BadParameter("start", $"start ({ApiTime.Format(start)}) must be before end ({ApiTime.Format(end)})");
        if (latest)
            return new HistoryRange(0, end, limit, Latest: true);
        if (end - start > maxSpanUs)
            throw ApiProblem.BadParameter(
                "end",
                $"the range {ApiTime.Format(start)} .. {ApiTime.Format(end)} is longer than "
                    + $"{TimeSpan.FromTicks(maxSpanUs * 10).TotalDays:0.#} days; ask for a shorter range"
            );
        return new HistoryRange(start, end, limit);
    }
}
