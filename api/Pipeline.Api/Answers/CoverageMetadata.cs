// The JSON shape of an API answer, for the generated OpenAPI document (the readers write it directly, for speed;
// ApiDocumentTests checks real answers have exactly these fields).
using System.ComponentModel;

namespace Pipeline.Api.Answers;

/// <summary>What a coverage answer covers.</summary>
[Description("What a coverage answer covers.")]
public sealed record CoverageMetadata(
    string Exchange,
    string Base,
    string Quote,
    string Market,
    string Interval,
    string Start,
    string End,
    [property: Description("The version of the data covered (see GET /versions).")] string Version
);
