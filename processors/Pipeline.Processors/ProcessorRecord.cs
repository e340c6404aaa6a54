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
}
