namespace Pipeline.Plumbing.Configuration;

/// <summary>Settings of the Parquet archive sink (where it writes is <see cref="S3Options"/>).</summary>
public sealed class ArchiveOptions
{
    /// <summary>Consumer group prefix; each dataset commits its positions under "{ConsumerName}.{dataset}".</summary>
    public string ConsumerName { get; set; } = "pipeline-archive";

    /// <summary>Close a segment (and upload its files) once its records hold this many bytes (Kafka value bytes) ...</summary>
    public long RollBytes { get; set; } = 128L * 1024 * 1024;

    /// <summary>... or this many seconds after its first record arrived, whichever comes first.</summary>
    public int RollSeconds { get; set; } = 900;

    /// <summary>Files above this size are uploaded in parts (S3 multipart upload).</summary>
    public long MultipartThresholdBytes { get; set; } = 16L * 1024 * 1024;

    /// <summary>Longest pause between upload retries while S3 is down (the pause doubles from 200 ms, with jitter).</summary>
    public int RetryMaxBackoffMs { get; set; } = 10_000;

    /// <summary>Compact a closed day's segment files into one day file per folder this many seconds after the day ended
    /// (the archive role does it itself, as `pipeline archive compact` would); 0 = off (the default: compaction builds a
    /// folder's day in memory, and only one compactor may run per bucket/prefix).</summary>
    public int CompactClosedDaysAfterSeconds { get; set; }

    /// <summary>How often the archive role looks for closed days to compact (when CompactClosedDaysAfterSeconds is set).</summary>
    public int CompactCheckSeconds { get; set; } = 300;

    public IEnumerable<string> Problems()
    {
        if (string.IsNullOrWhiteSpace(ConsumerName))
            yield return "configuration: Archive:ConsumerName is empty; set a consumer group name (PIPELINE__ARCHIVE__CONSUMERNAME)";
        if (RollBytes is < 1024 or > 5L * 1024 * 1024 * 1024)
            yield return $"configuration: Archive:RollBytes is {RollBytes}; it must be 1024..5368709120 (PIPELINE__ARCHIVE__ROLLBYTES)";
        if (RollSeconds is < 1 or > 86_400)
            yield return $"configuration: Archive:RollSeconds is {RollSeconds}; it must be 1..86400 (PIPELINE__ARCHIVE__ROLLSECONDS)";
        if (MultipartThresholdBytes < 5L * 1024 * 1024)
            yield return $"configuration: Archive:MultipartThresholdBytes is {MultipartThresholdBytes}; "
                + "S3 parts are at least 5 MiB (5242880)";
        if (RetryMaxBackoffMs is < 100 or > 600_000)
            yield return $"configuration: Archive:RetryMaxBackoffMs is {RetryMaxBackoffMs}; it must be 100..600000";
        if (
            CompactClosedDaysAfterSeconds != 0
            && (CompactClosedDaysAfterSeconds < RollSeconds || CompactClosedDaysAfterSeconds > 30 * 86_400)
        )
            yield return $"configuration: Archive:CompactClosedDaysAfterSeconds is {CompactClosedDaysAfterSeconds}; it must be 0 (off) or "
                + $"Archive:RollSeconds ({RollSeconds}) .. 2592000, so a segment open at midnight has rolled "
                + "(PIPELINE__ARCHIVE__COMPACTCLOSEDDAYSAFTERSECONDS)";
        if (CompactCheckSeconds is < 1 or > 86_400)
            yield return $"configuration: Archive:CompactCheckSeconds is {CompactCheckSeconds}; "
                + "it must be 1..86400 (PIPELINE__ARCHIVE__COMPACTCHECKSECONDS)";
    }
}
