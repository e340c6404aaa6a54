// The JSON shape of an API answer, for the generated OpenAPI document (the readers write it directly, for speed;
// ApiDocumentTests checks real answers have exactly these fields).
using System.ComponentModel;

namespace Pipeline.Api.Answers;

/// <summary>GET /ready: whether the database and Kafka are reachable ("ok" or the error).</summary>
[Description("GET /ready: whether the database and Kafka are reachable (\"ok\" or the error).")]
public sealed record ReadinessAnswer(
    bool Ready, string Database, string Kafka);
