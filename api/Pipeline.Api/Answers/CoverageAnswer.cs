// The JSON shape of an API answer, for the generated OpenAPI document (the readers write it directly, for speed;
// ApiDocumentTests checks real answers have exactly these fields).
using System.ComponentModel;

namespace Pipeline.Api.Answers;

/// <summary>GET /coverage: first, last, count and gaps of an instrument's candles.</summary>
[Description("GET /coverage: first, last, count and gaps of an instrument's candles.")]
public sealed record CoverageAnswer(CoverageData Data, CoverageMetadata Metadata);
