namespace Pipeline.Plumbing.Topics;

/// <summary>One topic of the catalog: what its records are keyed by and hold, and how long it keeps them.</summary>
public sealed record TopicSpec(
    string Name,
    string Key,
    Type ValueType,
    string Description,
    bool Compacted = false,
    TimeSpan? Retention = null,
    int? Partitions = null
)
{
    /// <summary>Topic configs for CreateTopics; retention null means keep forever (-1). Compacted topics roll
    /// segments every 10 minutes or 64 MiB: the active segment is never compacted, so this bounds what a state
    /// restore has to read.</summary>
    public Dictionary<string, string> Configs()
    {
        var configs = new Dictionary<string, string>
        {
            ["cleanup.policy"] = Compacted ? "compact" : "delete",
            ["retention.ms"] = Retention is { } r ? ((long)r.TotalMilliseconds).ToString() : "-1",
        };
        if (Compacted)
        {
            configs["segment.ms"] = "600000";
            configs["segment.bytes"] = (64 * 1024 * 1024).ToString();
        }
        return configs;
    }
}
