namespace Pipeline.Archive;

/// <summary>One Parquet object of a segment: its key, how many rows (Kafka records) it holds, and its size.</summary>
public sealed record ArchivedFile(string Key, int Records, long Bytes);
