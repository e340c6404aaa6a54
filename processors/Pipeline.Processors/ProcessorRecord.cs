namespace Pipeline.Processors;

/// <summary>One input record as the processor sees it: where it came from and its raw bytes.</summary>
public sealed record ProcessorRecord(string Topic, int Partition, long Offset, byte[]? Key, byte[]? Value);
