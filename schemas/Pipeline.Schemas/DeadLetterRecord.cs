// The one way any stage builds a dead-letter record: the original bytes (bounded), where they came from, and why.
using Google.Protobuf;
using Pipeline.Schemas.V1;

namespace Pipeline.Schemas;

public static class DeadLetterRecord
{
    public static DeadLetter Create(
        string sourceTopic,
        int sourcePartition,
        long sourceOffset,
        byte[]? key,
        byte[]? value,
        DeadLetterReason reason,
        string detail,
        string stage,
        UnixMicros failedAt
    ) => Create(sourceTopic, sourcePartition, sourceOffset, key, value, reason.Code, detail, stage, failedAt);

    /// <summary>Carries at most <see cref="RecordBounds.MaxDeadLetterOriginalBytes"/> of the original key and value, so the
    /// dead letter stays far below the producer's message limit (issue 18: a 1.2 MB record crash-looped the processor);
    /// a cut original says so in the reason, and the whole record stays at its source topic, partition and offset.</summary>
    public static DeadLetter Create(
        string sourceTopic,
        int sourcePartition,
        long sourceOffset,
        byte[]? key,
        byte[]? value,
        string reasonCode,
        string detail,
        string stage,
        UnixMicros failedAt
    ) =>
        new()
        {
            SourceTopic = sourceTopic,
            SourcePartition = sourcePartition,
            SourceOffset = sourceOffset,
            OriginalKey = Bounded(key),
            OriginalValue = Bounded(value),
            ReasonCode = reasonCode,
            Reason = Truncated(value)
                ? $"{detail} (original value of {value!.Length} bytes cut to its first {RecordBounds.MaxDeadLetterOriginalBytes}; "
                    + $"the whole record is at {sourceTopic}/{sourcePartition}@{sourceOffset})"
                : detail,
            Processor = stage,
            FailedTimeUs = failedAt,
        };

    /// <summary>The Kafka key to give the dead letter: the original key, cut like the copy inside it.</summary>
    public static byte[]? BoundedKey(byte[]? key) =>
        Truncated(key) ? key.AsSpan(0, RecordBounds.MaxDeadLetterOriginalBytes).ToArray() : key;

    private static bool Truncated(byte[]? bytes) => bytes is { Length: > RecordBounds.MaxDeadLetterOriginalBytes };

    private static ByteString Bounded(byte[]? bytes) =>
        bytes is null ? ByteString.Empty : ByteString.CopyFrom(bytes, 0, Math.Min(bytes.Length, RecordBounds.MaxDeadLetterOriginalBytes));
}
