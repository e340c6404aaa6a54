namespace Pipeline.Archive;

/// <summary>How the archive writer rolls segments and retries uploads.</summary>
public sealed record ArchiveSettings
{
    public required string ConsumerName { get; init; }
    public long RollBytes { get; init; } = 128L * 1024 * 1024;
    public TimeSpan RollInterval { get; init; } = TimeSpan.FromMinutes(15);
    public TimeSpan RetryMaxBackoff { get; init; } = TimeSpan.FromSeconds(10);
}
