// The query parameters of GET /indicators. Every value is text here and validated by the route, so a bad value gets our
// one-line problem answer rather than the framework's generic binding error.
using System.ComponentModel;
using Microsoft.AspNetCore.Mvc;

namespace Pipeline.Api.Queries;

public sealed class IndicatorQuery : PagedHistoryQuery
{
    [FromQuery(Name = "indicator")]
    [Description(
        "One indicator as stored, e.g. rsi(14), macd(12,26,9), vwap (daily anchored) or vwap(anchor=none); omit for all. An "
            + "unknown name is a 400 listing the stored ones."
    )]
    public string? Indicator { get; init; }

    [FromQuery(Name = "version")]
    [Description(VersionResolver.Description)]
    public string? Version { get; init; }
}
