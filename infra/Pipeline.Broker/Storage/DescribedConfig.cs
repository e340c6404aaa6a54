namespace Pipeline.Broker;

/// <summary>
/// One DescribeConfigs entry as Kafka reports it: value, where the value comes from (Kafka's DescribedConfigSource numbers),
/// its type (v3) and its synonyms in precedence order (the entry itself first).
/// </summary>
internal sealed record DescribedConfig(
    string Name,
    string? Value,
    DescribedConfigSource Source,
    DescribedConfigType Type,
    bool ReadOnly,
    IReadOnlyList<(string Name, string? Value, DescribedConfigSource Source)> Synonyms
);
