// The JSON shape of a backfill job (POST /backfills, GET /backfills/{id}).
using System.ComponentModel;

namespace Pipeline.Api.Answers;

/// <summary>A backfill job and the progress of each of its parts.</summary>
[Description("A backfill job and the progress of each of its parts.")]
public sealed record BackfillAnswer(
    string Id,
    [property: Description("requested, running, succeeded or failed")] string State,
    [property: Description("api or catch-up")] string RequestedBy,
    string Start,
    string End,
    string RequestedAt,
    string UpdatedAt,
    [property: Description("Fraction of the job's time range done over all parts, 0..1")] double Progress,
    IReadOnlyList<BackfillPartRow> Parts
);
