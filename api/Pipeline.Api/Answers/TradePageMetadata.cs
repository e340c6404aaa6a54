// The JSON shape of an API answer, for the generated OpenAPI document (the readers write it directly, for speed;
// ApiDocumentTests checks real answers have exactly these fields).
using System.ComponentModel;

namespace Pipeline.Api.Answers;

/// <summary>What a trade page answers and how to get the next one.</summary>
[Description("What a trade page answers and how to get the next one.")]
public sealed record TradePageMetadata(
    string Exchange,
    string Base,
    string Quote,
    string Market,
    string Start,
    string End,
    int Limit,
    int Count,
    string? NextCursor
);
