// The query parameters of GET /coverage (default: the whole history up to the current interval). Every value is text
// here and validated by the route, so a bad value gets our one-line problem answer rather than the framework's generic
// binding error.
using System.ComponentModel;
using Microsoft.AspNetCore.Mvc;

namespace Pipeline.Api.Queries;

public sealed class CoverageQuery : HistoryRangeQuery
{
    [FromQuery(Name = "source")]
    [Description("aggregated (ours, from trades; default) or exchange (the venue's own candles).")]
    public string? Source { get; init; }

    [FromQuery(Name = "version")]
    [Description(VersionResolver.Description)]
    public string? Version { get; init; }
}
