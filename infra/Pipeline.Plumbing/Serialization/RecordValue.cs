using Pipeline.Schemas;

namespace Pipeline.Plumbing.Serialization;

/// <summary>A record value's Protobuf payload (a range of the original bytes), or why it cannot be read.</summary>
/// <remarks>FaultCode is a dead-letter reason code (DeadLetterReasons): malformed (not valid framing), unknown_schema (id not
/// registered) or unsupported_schema_version (the pipeline.schema-version header names a version this reader does not know).</remarks>
public readonly record struct RecordValue(byte[] Bytes, int Offset, int SchemaId, string? FaultReason, string? FaultCode = null)
{
    public static RecordValue Plain(byte[] value) => new(value, 0, 0, null);

    public static RecordValue Framed(byte[] value, int offset, int schemaId) => new(value, offset, schemaId, null);

    public static RecordValue Malformed(string reason) => new([], 0, 0, reason, DeadLetterReasons.Malformed.Code);

    public static RecordValue UnknownSchema(string reason) => new([], 0, 0, reason, DeadLetterReasons.UnknownSchema.Code);

    public static RecordValue UnsupportedSchemaVersion(string reason) =>
        new([], 0, 0, reason, DeadLetterReasons.UnsupportedSchemaVersion.Code);

    public bool IsFault => FaultReason is not null;
    public ReadOnlySpan<byte> Payload => Bytes.AsSpan(Offset);

    /// <summary>The payload as its own array (a copy only when the value was framed).</summary>
    public byte[] PayloadArray() => Offset == 0 ? Bytes : Bytes[Offset..];
}
