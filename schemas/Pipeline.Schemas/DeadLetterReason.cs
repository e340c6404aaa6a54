// One entry of the dead-letter reason catalog: the stable code stored in DeadLetter.reason_code and what it means.
namespace Pipeline.Schemas;

/// <param name="Code">Stable, machine-readable (metrics label, DeadLetter.reason_code); never renamed.</param>
/// <param name="Meaning">What the code means in general; each dead letter adds its own detail sentence.</param>
public sealed record DeadLetterReason(string Code, string Meaning);
