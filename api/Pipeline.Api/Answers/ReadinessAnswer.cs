// The JSON shape of an API answer, for the generated OpenAPI document (the readers write it directly, for speed;
// ApiDocumentTests checks real answers have exactly these fields).
using System.ComponentModel;

namespace Pipeline.Api.Answers;

/// <summary>GET /ready: whether the database and Kafka are reachable ("ok" or the error), and the roles of this process
/// ("ok" or why not, e.g. "archive holding 1200 records, S3 unreachable since …").</summary>
[Description(
    "GET /ready: whether the database and Kafka are reachable (\"ok\" or the error), and the roles of this process (\"ok\" or why not)."
)]
public sealed record ReadinessAnswer(bool Ready, string Database, string Kafka, string Roles);
