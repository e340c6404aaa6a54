// The JSON shape of an API answer, for the generated OpenAPI document (the readers write it directly, for speed;
// ApiDocumentTests checks real answers have exactly these fields).
using System.ComponentModel;

namespace Pipeline.Api.Answers;

/// <summary>One stored trade.</summary>
[Description("One stored trade.")]
public sealed record TradeRow(
    string Time,
    long TradeId,
    string Price,
    string Size,
    [property: Description("buy or sell: the taker's side; null when the venue does not report it.")] string? Side,
    [property: Description("live, backfill, import, simulated or unspecified.")] string Origin
);
