// The query parameters of GET /candles. Every value is text here and validated by the route, so a bad value gets our
// one-line problem answer rather than the framework's generic binding error.
using System.ComponentModel;
using Microsoft.AspNetCore.Mvc;

namespace Pipeline.Api.Queries;

public sealed class CandleQuery : PagedHistoryQuery
{
    [FromQuery(Name = "fill")]
    [Description("true: forward-fill intervals without trades from the last close at query time (never stored). Default false.")]
    public string? Fill { get; init; }

    [FromQuery(Name = "source")]
    [Description("aggregated (ours, from trades; default) or exchange (the venue's own candles).")]
    public string? Source { get; init; }

    [FromQuery(Name = "version")]
    [Description(VersionResolver.Description)]
    public string? Version { get; init; }
}
