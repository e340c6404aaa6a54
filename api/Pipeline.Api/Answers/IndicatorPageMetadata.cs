// The JSON shape of an API answer, for the generated OpenAPI document (the readers write it directly, for speed;
// ApiDocumentTests checks real answers have exactly these fields).
using System.ComponentModel;

namespace Pipeline.Api.Answers;

/// <summary>What an indicator page answers and how to get the next one.</summary>
[Description("What an indicator page answers and how to get the next one.")]
public sealed record IndicatorPageMetadata(
    string Exchange,
    string Base,
    string Quote,
    string Market,
    string Interval,
    string? Indicator,
    string Start,
    string End,
    int Limit,
    int Count,
    [property: Description("The version of the data this page was read from (see GET /versions).")] string Version,
    string? NextCursor
);
