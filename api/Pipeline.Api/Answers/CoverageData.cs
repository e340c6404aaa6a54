// The JSON shape of an API answer, for the generated OpenAPI document (the readers write it directly, for speed;
// ApiDocumentTests checks real answers have exactly these fields).
using System.ComponentModel;

namespace Pipeline.Api.Answers;

/// <summary>Which intervals of a range have candles.</summary>
[Description("Which intervals of a range have candles.")]
public sealed record CoverageData(
    string? First,
    string? Last,
    long Count,
    long Expected,
    long Missing,
    IReadOnlyList<CoverageGap> Gaps,
    [property: Description("True when there were more gaps than listed (at most 1000 are listed).")] bool GapsTruncated
);
