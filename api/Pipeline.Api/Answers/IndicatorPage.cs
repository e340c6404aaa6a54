// The JSON shape of an API answer, for the generated OpenAPI document (the readers write it directly, for speed;
// ApiDocumentTests checks real answers have exactly these fields).
using System.ComponentModel;

namespace Pipeline.Api.Answers;

/// <summary>GET /indicators: a page of indicator values in (time, indicator) order.</summary>
[Description("GET /indicators: a page of indicator values in (time, indicator) order.")]
public sealed record IndicatorPage(IReadOnlyList<IndicatorRow> Data, IndicatorPageMetadata Metadata);
