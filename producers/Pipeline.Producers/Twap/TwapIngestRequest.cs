namespace Pipeline.Producers.Twap;

/// <summary>What one `pipeline twap ingest` run covers. With none of Since, ObjectKey and LocalFile set: every object under
/// the prefix (incremental). In every mode an object whose ETag was already ingested (or already failed on its content)
/// is skipped, so re-running never repeats work or rows.</summary>
public sealed record TwapIngestRequest
{
    /// <summary>Only objects modified at or after this time.</summary>
    public DateTimeOffset? Since { get; init; }

    /// <summary>One object of the bucket (a full key, or a key relative to the prefix).</summary>
    public string? ObjectKey { get; init; }

    /// <summary>A Parquet file on disk instead of S3 (logged as file:FULLPATH, its SHA-256 as the ETag).</summary>
    public string? LocalFile { get; init; }
}
