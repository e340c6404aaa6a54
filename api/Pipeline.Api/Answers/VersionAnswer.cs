// The JSON shape of an API answer, for the generated OpenAPI document.
using System.ComponentModel;
using System.Text.Json;

namespace Pipeline.Api.Answers;

/// <summary>One version of the derived data (GET /versions, GET /replays/{id}).</summary>
[Description(
    "One version of the derived data: live, or a replay's. state is planned, running, complete or failed; current says whether "
        + "the API serves it by default."
)]
public sealed record VersionAnswer(
    string Name,
    string State,
    bool Current,
    [property: Description("Start of the replayed exchange-time range (inclusive); null for live.")] string? From,
    [property: Description("End of the replayed range (exclusive); null for live.")] string? To,
    IReadOnlyList<string> Instruments,
    IReadOnlyList<string> Intervals,
    [property: Description("The processing configuration the version was built with (indicators, lateness, validation rules).")]
        JsonElement Configuration,
    VersionProgress Progress,
    string CreatedAt,
    string UpdatedAt,
    string? CompletedAt,
    [property: Description("Why the replay failed (state failed); null otherwise.")] string? Error
);
