// The JSON shape of an API answer, for the generated OpenAPI document (the readers write it directly, for speed;
// ApiDocumentTests checks real answers have exactly these fields).
using System.ComponentModel;

namespace Pipeline.Api.Answers;

/// <summary>GET /candles: a page of candles in time order.</summary>
[Description("GET /candles: a page of candles in time order.")]
public sealed record CandlePage(IReadOnlyList<CandleRow> Data, CandlePageMetadata Metadata);
