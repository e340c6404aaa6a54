// The start/end/limit/cursor parameters shared by the history routes, validated into one range.
using System.Text;

namespace Pipeline.Api;

public sealed record HistoryRange(long StartUs, long EndUs, int Limit)
{
    public const int DefaultLimit = 1000;
    public const int MaxLimit = 10_000;
    /// <summary>A request may span at most this many intervals (about 19 months of 1m candles).</summary>
    public const long MaxIntervals = 1_000_000;

    /// <summary>Parses start/end/limit/cursor. Without start, the range is the last <c>limit</c> intervals before end;
    /// without end, it runs to the current interval. A cursor (from a previous page's metadata) replaces start.</summary>
    public static HistoryRange Parse(IQueryCollection query, long stepUs, string cursorKind, long nowUs)
    {
        var limit = DefaultLimit;
        if (query["limit"].ToString() is { Length: > 0 } l)
        {
            if (!int.TryParse(l, out limit) || limit is < 1 or > MaxLimit)
                throw ApiProblem.BadParameter("limit", $"limit '{l}' must be a whole number from 1 to {MaxLimit}");
        }
        long end = Floor(nowUs, stepUs) + stepUs;
        if (query["end"].ToString() is { Length: > 0 } e && !ApiTime.TryParse(e, out end))
            throw ApiProblem.BadParameter("end", $"end '{e}' is not a time; use ISO-8601 UTC (2026-01-31T00:00:00Z) or Unix milliseconds");
        long start;
        if (query["start"].ToString() is { Length: > 0 } s)
        {
            if (!ApiTime.TryParse(s, out start))
                throw ApiProblem.BadParameter("start", $"start '{s}' is not a time; use ISO-8601 UTC (2026-01-31T00:00:00Z) or Unix milliseconds");
        }
        else start = Math.Max(0, end - limit * stepUs);
        if (start >= end)
            throw ApiProblem.BadParameter("start", $"start ({ApiTime.Format(start)}) must be before end ({ApiTime.Format(end)})");
        if ((end - start) / stepUs > MaxIntervals)
            throw ApiProblem.BadParameter("end", $"the range {ApiTime.Format(start)} .. {ApiTime.Format(end)} spans more than {MaxIntervals} intervals; ask for a shorter range");
        if (query["cursor"].ToString() is { Length: > 0 } c)
        {
            if (!TryDecodeCursor(c, cursorKind, out var from) || from < start || from > end)
                throw ApiProblem.BadParameter("cursor", "cursor is not one this API issued for this query; pass the metadata.next_cursor of the previous page unchanged, with the same start and end");
            start = from;
        }
        return new HistoryRange(start, end, limit);
    }

    public static long Floor(long us, long step) => us - (((us % step) + step) % step);

    public static string EncodeCursor(string kind, long fromUs) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"{kind}|{fromUs}")).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static bool TryDecodeCursor(string text, string kind, out long fromUs)
    {
        fromUs = 0;
        try
        {
            var b64 = text.Replace('-', '+').Replace('_', '/');
            b64 += new string('=', (4 - b64.Length % 4) % 4);
            var parts = Encoding.UTF8.GetString(Convert.FromBase64String(b64)).Split('|');
            return parts.Length == 2 && parts[0] == kind && long.TryParse(parts[1], out fromUs);
        }
        catch (FormatException) { return false; }
    }
}
