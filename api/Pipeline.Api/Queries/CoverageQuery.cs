// The query parameters of GET /coverage (default: the whole history up to the current interval). Every value is text here and validated by the route, so a bad value gets our
// one-line problem answer rather than the framework's generic binding error.
using System.ComponentModel;
using Microsoft.AspNetCore.Mvc;

namespace Pipeline.Api.Queries;

public sealed class CoverageQuery
{
    [FromQuery(Name = "start")]
    [Description("Inclusive start: ISO-8601 UTC (2025-01-31T00:00:00Z) or Unix milliseconds. Without start (and cursor): the `limit` latest rows before end that exist, however old.")]
    public string? Start { get; init; }

    [FromQuery(Name = "end")]
    [Description("Exclusive end: ISO-8601 UTC or Unix milliseconds. Default: the end of the current interval.")]
    public string? End { get; init; }

    [FromQuery(Name = "source")]
    [Description("aggregated (ours, from trades; default) or exchange (the venue's own candles).")]
    public string? Source { get; init; }

    [FromQuery(Name = "version")]
    [Description(VersionResolver.Description)]
    public string? Version { get; init; }
}
