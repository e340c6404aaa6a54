// The JSON shape of an API answer, for the generated OpenAPI document (the readers write it directly, for speed;
// ApiDocumentTests checks real answers have exactly these fields).
using System.ComponentModel;

namespace Pipeline.Api.Answers;

/// <summary>Missing intervals [start, end).</summary>
[Description("Missing intervals [start, end).")]
public sealed record CoverageGap(
    string Start,
    string End,
    long Missing,
    [property: Description(
        "True when the venue itself has no data there (a maintenance window or halt found by a backfill); such gaps are not retried."
    )]
        bool VenueGap
);
