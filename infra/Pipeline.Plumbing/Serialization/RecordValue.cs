namespace Pipeline.Plumbing.Serialization;

/// <summary>A record value's Protobuf payload (a range of the original bytes), or why it cannot be read.</summary>
/// <remarks>FaultCode is a dead-letter reason code: "malformed" (not valid framing) or "unknown_schema" (id not registered).</remarks>
public readonly record struct RecordValue(byte[] Bytes, int Offset, int SchemaId, string? FaultReason, string? FaultCode = null)
{
    public static RecordValue Plain(byte[] value) => new(value, 0, 0, null);
    public static RecordValue Framed(byte[] value, int offset, int schemaId) => new(value, offset, schemaId, null);
    public static RecordValue Malformed(string reason) => new([], 0, 0, reason, "malformed");
    public static RecordValue UnknownSchema(string reason) => new([], 0, 0, reason, "unknown_schema");

    public bool IsFault => FaultReason is not null;
    public ReadOnlySpan<byte> Payload => Bytes.AsSpan(Offset);

    /// <summary>The payload as its own array (a copy only when the value was framed).</summary>
    public byte[] PayloadArray() => Offset == 0 ? Bytes : Bytes[Offset..];
}
