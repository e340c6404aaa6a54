namespace Pipeline.Broker;

/// <summary>
/// A topic's settings: the overrides set through CreateTopics/AlterConfigs over the broker's defaults.
/// Only the keys the broker acts on have their values validated; other known Kafka keys are stored and reported as given.
/// </summary>
internal sealed class TopicConfig
{
    public static readonly string[] Interpreted =
    [
        "cleanup.policy",
        "retention.ms",
        "retention.bytes",
        "segment.bytes",
        "segment.ms",
        "delete.retention.ms",
        "message.timestamp.type",
    ];

    private readonly BrokerOptions _defaults;
    public Dictionary<string, string> Overrides { get; }

    public TopicConfig(BrokerOptions defaults, Dictionary<string, string>? overrides = null)
    {
        _defaults = defaults;
        Overrides = overrides ?? new Dictionary<string, string>();
    }

    public long RetentionMs => Overrides.TryGetValue("retention.ms", out var v) ? long.Parse(v) : _defaults.DefaultRetentionMs;
    public long RetentionBytes => Overrides.TryGetValue("retention.bytes", out var v) ? long.Parse(v) : _defaults.DefaultRetentionBytes;
    public long SegmentBytes => Overrides.TryGetValue("segment.bytes", out var v) ? long.Parse(v) : _defaults.DefaultSegmentBytes;
    public long SegmentMs => Overrides.TryGetValue("segment.ms", out var v) ? long.Parse(v) : _defaults.DefaultSegmentMs;
    public long DeleteRetentionMs => Overrides.TryGetValue("delete.retention.ms", out var v) ? long.Parse(v) : 24L * 3600 * 1000;
    public string CleanupPolicy => Overrides.GetValueOrDefault("cleanup.policy", "delete");
    public bool Compact => CleanupPolicy.Contains("compact", StringComparison.Ordinal);
    public bool Delete => CleanupPolicy.Contains("delete", StringComparison.Ordinal);
    public bool LogAppendTime => Overrides.GetValueOrDefault("message.timestamp.type", "CreateTime") == "LogAppendTime";

    /// <summary>Every topic config Kafka reports, with sources and synonyms (DescribeConfigs).</summary>
    public IEnumerable<DescribedConfig> Describe() => KafkaConfigCatalog.DescribeTopic(_defaults, Overrides);

    /// <summary>Null when valid; otherwise why not.</summary>
    public static string? Validate(string name, string? value)
    {
        // Kafka refuses names it does not know (a typo would otherwise be stored and silently ignored).
        if (!KafkaConfigCatalog.IsTopicConfig(name))
            return $"Unknown topic config name: {name}";
        if (value is null)
            return null;
        switch (name)
        {
            case "retention.ms" or "retention.bytes":
                return long.TryParse(value, out var l) && l >= -1 ? null : $"{name} must be an integer >= -1";
            case "segment.bytes":
                return long.TryParse(value, out var s) && s >= 14 ? null : "segment.bytes must be an integer >= 14";
            case "delete.retention.ms":
                return long.TryParse(value, out var d) && d >= 0 ? null : "delete.retention.ms must be an integer >= 0";
            case "segment.ms":
                return long.TryParse(value, out var ms) && ms >= 1 ? null : "segment.ms must be a positive integer";
            case "cleanup.policy":
                foreach (var p in value.Split(','))
                    if (p.Trim() is not ("delete" or "compact"))
                        return "cleanup.policy must be delete, compact or both";
                return null;
            case "message.timestamp.type":
                return value is "CreateTime" or "LogAppendTime" ? null : "message.timestamp.type must be CreateTime or LogAppendTime";
            default:
                return null;
        }
    }
}
