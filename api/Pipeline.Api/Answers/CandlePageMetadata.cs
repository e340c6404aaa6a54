// The JSON shape of an API answer, for the generated OpenAPI document (the readers write it directly, for speed;
// ApiDocumentTests checks real answers have exactly these fields).
using System.ComponentModel;

namespace Pipeline.Api.Answers;

/// <summary>What a candle page answers and how to get the next one.</summary>
[Description("What a candle page answers and how to get the next one.")]
public sealed record CandlePageMetadata(
    string Exchange,
    string Base,
    string Quote,
    string Market,
    string Interval,
    string Source,
    string Start,
    string End,
    int Limit,
    int Count,
    bool Fill,
    [property: Description("The version of the data this page was read from (see GET /versions).")] string Version,
    [property: Description("Pass as cursor= (with the same start and end) for the next page; null on the last page.")] string? NextCursor
);
