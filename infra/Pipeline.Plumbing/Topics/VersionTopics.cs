// The topics of one replay version (ADR 0006): the live catalog's derived topics and state changelogs under the
// prefix "replay.<version>.", plus the version's own input topic (trades republished from the archive).
using Pipeline.Schemas;
using Pipeline.Schemas.V1;

namespace Pipeline.Plumbing.Topics;

/// <summary>Topic names and specs of one replay version. Live data keeps the catalog's own names.</summary>
public sealed class VersionTopics
{
    /// <summary>Every replay topic starts with this; nothing else may.</summary>
    public const string Prefix = "replay.";

    public VersionTopics(DataVersion version)
    {
        if (version.IsLive)
            throw new ArgumentException("the live version uses TopicCatalog's own topics", nameof(version));
        Version = version;
        Input = new TopicSpec(
            $"{Root}trades",
            "instrument key",
            typeof(Trade),
            "Trades republished for this replay (from the archive), in exchange-time order, each instrument followed by an "
                + "end-of-input mark (header pipeline.type=end-of-input).",
            Retention: TimeSpan.FromDays(7)
        );
        Candles = Derive(TopicCatalog.Candles);
        FinalCandles = Derive(TopicCatalog.FinalCandles);
        Indicators = Derive(TopicCatalog.Indicators);
        DeadLetters = Derive(TopicCatalog.DeadLetters);
        ValidatorState = Derive(TopicCatalog.ValidatorState);
        AggregatorState = Derive(TopicCatalog.AggregatorState);
        IndicatorState = Derive(TopicCatalog.IndicatorState);
        Plan = new TopicSpec(
            $"{Root}plan",
            "\"plan\", \"complete\" or \"archive\"",
            typeof(byte[]),
            "The replay's plan (JSON: range, instruments, intervals, input, processing configuration, input offsets fixed at plan "
                + "time) under key \"plan\", and \"complete\" written in its last transaction; a replay from the archive first stores "
                + "its republish request (archive, range, instruments) under key \"archive\".",
            Compacted: true,
            Partitions: 1
        );
        All = [Input, Candles, FinalCandles, Indicators, DeadLetters, ValidatorState, AggregatorState, IndicatorState, Plan];
    }

    public DataVersion Version { get; }

    private string Root => $"{Prefix}{Version.Name}.";

    public TopicSpec Input { get; }
    public TopicSpec Candles { get; }
    public TopicSpec FinalCandles { get; }
    public TopicSpec Indicators { get; }
    public TopicSpec DeadLetters { get; }
    public TopicSpec ValidatorState { get; }
    public TopicSpec AggregatorState { get; }
    public TopicSpec IndicatorState { get; }

    /// <summary>The replay engine's plan and completion mark (ReplayPlan in processors/Pipeline.Processors/Replay).</summary>
    public TopicSpec Plan { get; }

    public IReadOnlyList<TopicSpec> All { get; }

    /// <summary>The version's name of a live catalog topic (e.g. candles.final → replay.v2.candles.final).</summary>
    public string NameOf(TopicSpec live) => $"{Root}{live.Name}";

    /// <summary>The live catalog topic a replay topic stands for, so values decode with the same schema; null when
    /// <paramref name="topic"/> is not one of this version's derived topics.</summary>
    public TopicSpec? LiveTopicOf(string topic) =>
        topic.StartsWith(Root, StringComparison.Ordinal) ? TopicCatalog.All.FirstOrDefault(t => t.Name == topic[Root.Length..]) : null;

    private TopicSpec Derive(TopicSpec live) =>
        live with
        {
            Name = NameOf(live),
            Description = $"{live.Description} (replay version {Version.Name})",
        };
}
