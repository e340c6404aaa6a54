// The JSON shape of an API answer, for the generated OpenAPI document (the readers write it directly, for speed;
// ApiDocumentTests checks real answers have exactly these fields).
using System.ComponentModel;

namespace Pipeline.Api.Answers;

/// <summary>A registered instrument and the span of its 1m candles.</summary>
[Description("A registered instrument and the span of its 1m candles.")]
public sealed record InstrumentRow(
    string Exchange,
    string Base,
    string Quote,
    string Market,
    string? Symbol,
    IReadOnlyList<string> Intervals,
    string? First,
    string? Last
);
