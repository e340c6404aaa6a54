using Pipeline.Schemas;

namespace Pipeline.Processors.Validation;

/// <summary>Why a record was not accepted: a stable code from <see cref="DeadLetterReasons"/> for metrics and a sentence for
/// people.</summary>
public sealed record Rejection(string Code, string Reason)
{
    public Rejection(DeadLetterReason reason, string detail)
        : this(reason.Code, detail) { }
}
