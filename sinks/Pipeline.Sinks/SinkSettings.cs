// Tuning of the PostgreSQL sink: how large a batch grows and how long it may wait before it is written; and which version
// of the derived data it writes (the live topics into version 'live', or one replay version's topics into its rows).
using Pipeline.Plumbing.Topics;
using Pipeline.Schemas;

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
        [TopicCatalog.ValidTrades.Name, TopicCatalog.Candles.Name, TopicCatalog.Indicators.Name];
    /// <summary>The `version` column of the candle and indicator rows written (ADR 0006).</summary>
    public DataVersion Version { get; init; } = DataVersion.Live;
    /// <summary>Where records the sink cannot store go, with their reason.</summary>
    public string DeadLetterTopic { get; init; } = TopicCatalog.DeadLetters.Name;

    /// <summary>The sink of one replay version: its closed candles and indicators (replay.V.candles.final,
    /// replay.V.indicators) into rows of version V, with its own stored positions (consumer replay-V-sink) and its own
    /// consumer group, so it never shares work with the live sink or with the replay processor's group replay-V.</summary>
    public static SinkSettings ForVersion(DataVersion version, int batchRows = 50_000, TimeSpan? batchLinger = null)
    {
        var topics = new VersionTopics(version);
        return new SinkSettings
        {
            ConsumerName = ConsumerNameOf(version),
            BatchRows = batchRows,
            BatchLinger = batchLinger ?? TimeSpan.FromMilliseconds(200),
            Topics = [topics.FinalCandles.Name, topics.Indicators.Name],
            Version = version,
            DeadLetterTopic = topics.DeadLetters.Name,
        };
    }

    /// <summary>The sink_positions consumer (and consumer group) of a replay version's sink.</summary>
    public static string ConsumerNameOf(DataVersion version) => $"replay-{version.Name}-sink";

    /// <summary>The live catalog topic whose records arrive on <paramref name="topic"/> (itself for the live sink; the
    /// counterpart of a replay topic for a version's sink), or null for a topic this sink does not store.</summary>
    public TopicSpec? LiveTopicOf(string topic) => Version.IsLive
        ? TopicCatalog.All.FirstOrDefault(t => t.Name == topic)
        : (_versionTopics ??= new VersionTopics(Version)).LiveTopicOf(topic);

    private VersionTopics? _versionTopics;
}
