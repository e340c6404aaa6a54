// The JSON shape of an API answer, for the generated OpenAPI document (the readers write it directly, for speed;
// ApiDocumentTests checks real answers have exactly these fields).
using System.ComponentModel;

namespace Pipeline.Api.Answers;

/// <summary>GET /health: the process answers.</summary>
[Description("GET /health: the process answers.")]
public sealed record HealthAnswer(string Status);
