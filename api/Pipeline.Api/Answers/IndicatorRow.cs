// The JSON shape of an API answer, for the generated OpenAPI document (the readers write it directly, for speed;
// ApiDocumentTests checks real answers have exactly these fields).
using System.ComponentModel;

namespace Pipeline.Api.Answers;

/// <summary>One indicator value set at a candle time.</summary>
[Description("One indicator value set at a candle time.")]
public sealed record IndicatorRow(
    string Time,
    string Indicator,
    [property: Description(
        "The indicator's fields (e.g. {\"macd\":1.2,\"signal\":0.9,\"histogram\":0.3}); a field is null while the indicator warms up."
    )]
        IReadOnlyDictionary<string, double?> Values,
    int CandleRevision
);
