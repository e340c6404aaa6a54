namespace Pipeline.Plumbing.Configuration;

/// <summary>Settings of the PostgreSQL sink (Sink:* in the configuration, PIPELINE__SINK__BATCHROWS=20000): the one model
/// the sink runs on. Which topics it writes and into which data version is not configuration but the role's
/// (the live sink, or one replay version's sink).</summary>
public sealed record SinkOptions
{
    /// <summary>The name its positions are stored under in sink_positions, and its consumer group unless
    /// <see cref="GroupId"/> is set: two sinks with the same name share the work.</summary>
    public string ConsumerName { get; set; } = "pipeline-sink";

    /// <summary>Kafka consumer group; empty uses <see cref="ConsumerName"/>. Exactly-once rests on the stored positions
    /// (keyed by ConsumerName), never on the group's committed offsets.</summary>
    public string? GroupId { get; set; }

    /// <summary>Write a batch once it holds this many records ...</summary>
    public int BatchRows { get; set; } = 50_000;

    /// <summary>... or this long after its first record arrived, whichever comes first.</summary>
    public int BatchLingerMs { get; set; } = 200;

    /// <summary>First wait before retrying a write while the database is unreachable; it doubles per attempt
    /// (equal jitter) up to <see cref="RetryMaxDelayMs"/>.</summary>
    public int RetryInitialDelayMs { get; set; } = 100;
    public int RetryMaxDelayMs { get; set; } = 10_000;

    /// <summary>Longest a single database statement of a batch may take before the attempt counts as failed.</summary>
    public int WriteTimeoutSeconds { get; set; } = 60;

    /// <summary>The consumer group the sink joins.</summary>
    public string Group => string.IsNullOrWhiteSpace(GroupId) ? ConsumerName : GroupId;

    public IEnumerable<string> Problems()
    {
        if (string.IsNullOrWhiteSpace(ConsumerName))
            yield return "configuration: Sink:ConsumerName is empty; set a name for the sink's group and stored positions "
                + "(PIPELINE__SINK__CONSUMERNAME)";
        if (BatchRows is < 1 or > 1_000_000)
            yield return $"configuration: Sink:BatchRows is {BatchRows}; it must be 1..1000000 (PIPELINE__SINK__BATCHROWS)";
        if (BatchLingerMs is < 1 or > 60_000)
            yield return $"configuration: Sink:BatchLingerMs is {BatchLingerMs}; it must be 1..60000 (PIPELINE__SINK__BATCHLINGERMS)";
        if (RetryInitialDelayMs is < 1 or > 60_000)
            yield return $"configuration: Sink:RetryInitialDelayMs is {RetryInitialDelayMs}; "
                + "it must be 1..60000 (PIPELINE__SINK__RETRYINITIALDELAYMS)";
        if (RetryMaxDelayMs < RetryInitialDelayMs || RetryMaxDelayMs > 600_000)
            yield return $"configuration: Sink:RetryMaxDelayMs is {RetryMaxDelayMs}; "
                + $"it must be RetryInitialDelayMs ({RetryInitialDelayMs})..600000 "
                + "(PIPELINE__SINK__RETRYMAXDELAYMS)";
        if (WriteTimeoutSeconds is < 1 or > 3_600)
            yield return $"configuration: Sink:WriteTimeoutSeconds is {WriteTimeoutSeconds}; "
                + "it must be 1..3600 (PIPELINE__SINK__WRITETIMEOUTSECONDS)";
    }
}
