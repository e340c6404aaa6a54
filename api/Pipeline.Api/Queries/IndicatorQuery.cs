// The query parameters of GET /indicators. Every value is text here and validated by the route, so a bad value gets our
// one-line problem answer rather than the framework's generic binding error.
using System.ComponentModel;
using Microsoft.AspNetCore.Mvc;

namespace Pipeline.Api.Queries;

public sealed class IndicatorQuery
{
    [FromQuery(Name = "indicator")]
    [Description("One indicator as stored, e.g. rsi(14), macd(12,26,9), vwap (daily anchored) or vwap(anchor=none); omit for all. An unknown name is a 400 listing the stored ones.")]
    public string? Indicator { get; init; }

    [FromQuery(Name = "start")]
    [Description("Inclusive start: ISO-8601 UTC (2025-01-31T00:00:00Z) or Unix milliseconds. Without start (and cursor): the `limit` latest rows before end that exist, however old.")]
    public string? Start { get; init; }

    [FromQuery(Name = "end")]
    [Description("Exclusive end: ISO-8601 UTC or Unix milliseconds. Default: the end of the current interval.")]
    public string? End { get; init; }

    [FromQuery(Name = "limit")]
    [Description("Rows per page, a whole number 1..10000 (default 1000).")]
    public string? Limit { get; init; }

    [FromQuery(Name = "cursor")]
    [Description("metadata.next_cursor of the previous page, unchanged, with the same start and end.")]
    public string? Cursor { get; init; }

    [FromQuery(Name = "version")]
    [Description(VersionResolver.Description)]
    public string? Version { get; init; }
}
