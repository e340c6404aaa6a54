namespace Pipeline.Archive;

/// <summary>What a dataset's archive writer is doing: reading records, or holding a sealed segment S3 has not taken yet.</summary>
public enum ArchiveState
{
    Starting,
    Consuming,
    Holding,
    Stopped,
}
