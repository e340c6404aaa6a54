namespace Pipeline.Plumbing.Topics;

/// <summary>One topic of the catalog: what its records are keyed by and hold, and how long it keeps them.</summary>
public sealed record TopicSpec(
    string Name,
    string Key,
    Type ValueType,
    string Description,
    bool Compacted = false,
    TimeSpan? Retention = null,
    int? Partitions = null)
{
    /// <summary>Topic configs for CreateTopics; retention null means keep forever (-1).</summary>
    public Dictionary<string, string> Configs() => new()
    {
        ["cleanup.policy"] = Compacted ? "compact" : "delete",
        ["retention.ms"] = Retention is { } r ? ((long)r.TotalMilliseconds).ToString() : "-1",
    };
}
