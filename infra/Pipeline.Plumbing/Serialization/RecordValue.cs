namespace Pipeline.Plumbing.Serialization;

/// <summary>A record value's Protobuf payload (a range of the original bytes), or why it cannot be read.</summary>
public readonly record struct RecordValue(byte[] Bytes, int Offset, int SchemaId, string? FaultReason)
{
    public static RecordValue Plain(byte[] value) => new(value, 0, 0, null);
    public static RecordValue Framed(byte[] value, int offset, int schemaId) => new(value, offset, schemaId, null);
    public static RecordValue Fault(string reason) => new([], 0, 0, reason);

    public bool IsFault => FaultReason is not null;
    public ReadOnlySpan<byte> Payload => Bytes.AsSpan(Offset);

    /// <summary>The payload as its own array (a copy only when the value was framed).</summary>
    public byte[] PayloadArray() => Offset == 0 ? Bytes : Bytes[Offset..];
}
