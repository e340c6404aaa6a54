// The start and end parameters every history route takes, declared and parsed once (the routes' query classes derive
// from it). Every value is text here and validated by HistoryRange, so a bad value gets our one-line problem answer
// rather than the framework's generic binding error.
using System.ComponentModel;
using Microsoft.AspNetCore.Mvc;

namespace Pipeline.Api.Queries;

public abstract class HistoryRangeQuery
{
    [FromQuery(Name = "start")]
    [Description(
        "Inclusive start: ISO-8601 UTC (2025-01-31T00:00:00Z) or Unix milliseconds. Without start (and cursor): the `limit` "
            + "latest rows before end that exist, however old."
    )]
    public string? Start { get; init; }

    [FromQuery(Name = "end")]
    [Description("Exclusive end: ISO-8601 UTC or Unix milliseconds. Default: the end of the current interval.")]
    public string? End { get; init; }

    /// <summary>The whole range up to <paramref name="defaultEndUs"/> unless start or end narrow it (no paging).</summary>
    public HistoryRange Range(long defaultEndUs) =>
        HistoryRange.Parse(Start, End, null, null, defaultEndUs, long.MaxValue / 2, long.MaxValue / 2);
}
