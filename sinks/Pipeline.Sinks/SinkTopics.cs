// What a PostgreSQL sink writes: the topics it consumes, the data version its candle and indicator rows belong to
// (ADR 0006), and where records it cannot store go. Fixed by the role (the live sink, or one replay version's sink),
// not by configuration; how it writes is SinkOptions.
using Pipeline.Plumbing.Topics;
using Pipeline.Schemas;

namespace Pipeline.Sinks;

public sealed class SinkTopics
{
    private readonly VersionTopics? _versionTopics;

    private SinkTopics(IReadOnlyList<string> topics, DataVersion version, string deadLetterTopic, VersionTopics? versionTopics)
    {
        Topics = topics;
        Version = version;
        DeadLetterTopic = deadLetterTopic;
        _versionTopics = versionTopics;
    }

    /// <summary>The live sink: valid trades, candles and indicators into version 'live'.</summary>
    public static SinkTopics Live { get; } =
        new(
            [TopicCatalog.ValidTrades.Name, TopicCatalog.Candles.Name, TopicCatalog.Indicators.Name],
            DataVersion.Live,
            TopicCatalog.DeadLetters.Name,
            null
        );

    /// <summary>A live sink of these catalog topics only (benchmarks and tests of one topic).</summary>
    public static SinkTopics LiveOf(params string[] topics) => new(topics, DataVersion.Live, TopicCatalog.DeadLetters.Name, null);

    /// <summary>One replay version's sink: its closed candles and indicators (replay.V.candles.final, replay.V.indicators)
    /// into rows of version V, dead letters to the version's own topic.</summary>
    public static SinkTopics ForVersion(DataVersion version)
    {
        var topics = new VersionTopics(version);
        return new SinkTopics([topics.FinalCandles.Name, topics.Indicators.Name], version, topics.DeadLetters.Name, topics);
    }

    public IReadOnlyList<string> Topics { get; }

    /// <summary>The `version` column of the candle and indicator rows written (ADR 0006).</summary>
    public DataVersion Version { get; }

    /// <summary>Where records the sink cannot store go, with their reason.</summary>
    public string DeadLetterTopic { get; }

    /// <summary>The live catalog topic whose records arrive on <paramref name="topic"/> (itself for the live sink; the
    /// counterpart of a replay topic for a version's sink), or null for a topic this sink does not store.</summary>
    public TopicSpec? LiveTopicOf(string topic) =>
        _versionTopics is null ? TopicCatalog.All.FirstOrDefault(t => t.Name == topic) : _versionTopics.LiveTopicOf(topic);
}
