// The JSON shape of an API answer, for the generated OpenAPI document (the readers write it directly, for speed;
// ApiDocumentTests checks real answers have exactly these fields).
using System.ComponentModel;

namespace Pipeline.Api.Answers;

/// <summary>How many rows an answer has.</summary>
[Description("How many rows an answer has.")]
public sealed record CountMetadata(int Count);
