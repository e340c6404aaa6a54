namespace Pipeline.Processors.Validation;

/// <summary>Why a record was not accepted: a stable code for metrics and a sentence for people.</summary>
public sealed record Rejection(string Code, string Reason);
