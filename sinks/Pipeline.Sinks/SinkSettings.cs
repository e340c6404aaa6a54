// Tuning of the PostgreSQL sink: how large a batch grows and how long it may wait before it is written.
namespace Pipeline.Sinks;

public sealed class SinkSettings
{
    /// <summary>Consumer group, also the `consumer` column of sink_positions: two sinks with the same name share the work.</summary>
    public string ConsumerName { get; init; } = "pipeline-sink";
    /// <summary>Kafka consumer group; defaults to <see cref="ConsumerName"/>. Exactly-once rests on the stored
    /// positions (keyed by ConsumerName), never on the group's committed offsets.</summary>
    public string? GroupId { get; init; }
    /// <summary>Write a batch once it holds this many records.</summary>
    public int BatchRows { get; init; } = 50_000;
    /// <summary>Write a batch at the latest this long after its first record arrived.</summary>
    public TimeSpan BatchLinger { get; init; } = TimeSpan.FromMilliseconds(200);
    /// <summary>First and longest wait between attempts while the database is unreachable.</summary>
    public TimeSpan RetryInitialDelay { get; init; } = TimeSpan.FromMilliseconds(100);
    public TimeSpan RetryMaxDelay { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>Longest a single database statement of a batch may take before the attempt counts as failed.</summary>
    public TimeSpan WriteTimeout { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>Topics the sink writes to the database.</summary>
    public IReadOnlyList<string> Topics { get; init; } =
        [Plumbing.Topics.TopicCatalog.ValidTrades.Name, Plumbing.Topics.TopicCatalog.Candles.Name, Plumbing.Topics.TopicCatalog.Indicators.Name];
}
