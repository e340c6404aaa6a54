using Confluent.Kafka;
using Pipeline.Plumbing.Serialization;

namespace Pipeline.Processors;

/// <summary>One input record as the processor sees it: where it came from and its Protobuf bytes (unframed).</summary>
public sealed record ProcessorRecord(string Topic, int Partition, long Offset, byte[]? Key, byte[]? Value)
{
    /// <summary>Why the value's framing cannot be read (e.g. an unknown schema id); Value then holds the original bytes.</summary>
    public string? FramingFault { get; init; }

    /// <summary>The dead-letter reason code for <see cref="FramingFault"/>: "malformed" or "unknown_schema".</summary>
    public string FramingFaultCode { get; init; } = "malformed";

    /// <summary>An end-of-input mark that travels on a trades topic (header pipeline.type; replay input from the archive).</summary>
    public bool IsEndOfInput { get; init; }

    /// <summary>A consumed record with its value in plain Protobuf whichever framing it came in (RecordValues), or its
    /// framing fault; an end-of-input mark among the trades is told apart by its pipeline.type header. The live host and
    /// the replay engine both read their input through it.</summary>
    public static ProcessorRecord From(ConsumeResult<byte[]?, byte[]?> cr)
    {
        var value = cr.Message.Value is { } v ? RecordValues.Read(v, cr.Message.Headers) : default;
        var mark = MessageHeaders.IsEndOfInput(cr.Message.Headers);
        return value.IsFault
            ? new ProcessorRecord(cr.Topic, cr.Partition.Value, cr.Offset.Value, cr.Message.Key, cr.Message.Value)
            {
                FramingFault = value.FaultReason,
                FramingFaultCode = value.FaultCode!,
                IsEndOfInput = mark,
            }
            : new ProcessorRecord(
                cr.Topic,
                cr.Partition.Value,
                cr.Offset.Value,
                cr.Message.Key,
                cr.Message.Value is null ? null : value.PayloadArray()
            )
            {
                IsEndOfInput = mark,
            };
    }
}
