// start/end plus the limit and cursor of the paged history routes (candles, indicators, trades), parsed once.
using System.ComponentModel;
using Microsoft.AspNetCore.Mvc;
using Pipeline.Schemas;

namespace Pipeline.Api.Queries;

public abstract class PagedHistoryQuery : HistoryRangeQuery
{
    [FromQuery(Name = "limit")]
    [Description("Rows per page, a whole number 1..10000 (default 1000).")]
    public string? Limit { get; init; }

    [FromQuery(Name = "cursor")]
    [Description("metadata.next_cursor of the previous page, unchanged, with the same start and end.")]
    public string? Cursor { get; init; }

    /// <summary>The page's range: without end it runs to <paramref name="defaultEndUs"/>, without start it covers
    /// <paramref name="defaultSpanUs"/> before end (or asks for the latest rows); longer than <paramref name="maxSpanUs"/>
    /// is a 400.</summary>
    public HistoryRange Range(long defaultEndUs, long defaultSpanUs, long maxSpanUs) =>
        HistoryRange.Parse(Start, End, Limit, Cursor, defaultEndUs, defaultSpanUs, maxSpanUs);

    /// <summary>The range of a route of one candle interval: by default it ends with the current interval
    /// (<paramref name="endOfCurrentUs"/>), spans `limit` intervals and at most <see cref="HistoryRange.MaxIntervals"/>.</summary>
    public HistoryRange Range(CandleInterval interval, long endOfCurrentUs) =>
        Range(endOfCurrentUs, LimitOrDefault * interval.DurationUs, HistoryRange.MaxIntervals * interval.DurationUs);

    /// <summary>The limit when it is valid, else the default
    /// (an invalid one is reported by <see cref="Range(long, long, long)"/>).</summary>
    private int LimitOrDefault =>
        Limit is { Length: > 0 } l && int.TryParse(l, out var n) && n is >= 1 and <= HistoryRange.MaxLimit ? n : HistoryRange.DefaultLimit;
}
