// The JSON shape of an API answer, for the generated OpenAPI document (the readers write it directly, for speed;
// ApiDocumentTests checks real answers have exactly these fields).
using System.ComponentModel;

namespace Pipeline.Api.Answers;

/// <summary>GET /instruments: every registered instrument.</summary>
[Description("GET /instruments: every registered instrument.")]
public sealed record InstrumentList(IReadOnlyList<InstrumentRow> Data, CountMetadata Metadata);
