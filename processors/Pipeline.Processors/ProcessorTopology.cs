// Where MarketDataProcessor reads and writes, and what it does beyond the live defaults: the live processor uses
// Live; a replay (ADR 0006) writes a version's replay.<V>.* topics, only the range and intervals it was asked for,
// and nothing that depends on the wall clock.
using Pipeline.Plumbing.Topics;
using Pipeline.Schemas;

namespace Pipeline.Processors;

public sealed record ProcessorTopology
{
    /// <summary>Trades to process: trades.raw live; trades.valid, trades.raw or replay.V.trades in a replay.</summary>
    public required string Trades { get; init; }

    /// <summary>Venue candles to validate; null = not read (a replay derives only candles and indicators).</summary>
    public string? ExchangeCandles { get; init; }

    /// <summary>End-of-input marks: live and in replays they travel on the trades topic itself (ADR 0007), told apart by
    /// the header pipeline.type (MessageHeaders.IsEndOfInput).</summary>
    public required string EndOfInput { get; init; }

    /// <summary>Where accepted trades are written; null = nowhere (a replay never rewrites trades.valid).</summary>
    public string? ValidTradesOut { get; init; }
    public string? ExchangeCandlesOut { get; init; }
    public required string DeadLettersOut { get; init; }
    public required string CandlesOut { get; init; }
    public required string FinalCandlesOut { get; init; }
    public required string IndicatorsOut { get; init; }
    public required string ValidatorState { get; init; }
    public required string AggregatorState { get; init; }
    public required string IndicatorState { get; init; }

    /// <summary>False when the trades were validated already (trades.valid, the archive): value and duplicate checks are
    /// skipped, so a replay of valid trades accepts exactly what live accepted. Lateness still applies.</summary>
    public bool Validate { get; init; } = true;

    /// <summary>Open-candle updates are throttled by processing time, so a replay emits closed candles only.</summary>
    public bool OpenCandleUpdates { get; init; } = true;

    /// <summary>A real-time instrument's open candles close by the wall clock at their end plus the allowed lateness even
    /// when no later trade arrives (an instrument that stopped trading). Never in a replay: history closes by watermark
    /// and end of input only, so a replay's output does not depend on when it runs.</summary>
    public bool WallClockClose { get; init; } = true;

    /// <summary>Trades whose event time lies outside [From, To) are skipped without a trace (microseconds).</summary>
    public long FromUs { get; init; } = long.MinValue;
    public long ToUs { get; init; } = long.MaxValue;

    /// <summary>True when a range was set and <paramref name="eventUs"/> lies outside it. Without a range (live) nothing is
    /// skipped here: a trade at long.MaxValue µs must reach validation and become a time_out_of_range dead letter, not vanish
    /// (regression: PoisonRecordFuzzTests lost 7 of 401 records to an unbounded [MinValue, MaxValue) check).</summary>
    public bool Skips(long eventUs) => (FromUs != long.MinValue && eventUs < FromUs) || (ToUs != long.MaxValue && eventUs >= ToUs);

    /// <summary>Intervals whose candles and indicators are written; null = all.</summary>
    public IReadOnlySet<int>? Intervals { get; init; }

    public IReadOnlyList<string> Inputs =>
        (ExchangeCandles is null ? [Trades, EndOfInput] : new[] { Trades, ExchangeCandles, EndOfInput }).Distinct().ToList();

    public IReadOnlyList<string> Changelogs => [ValidatorState, AggregatorState, IndicatorState];

    public static ProcessorTopology Live { get; } =
        new()
        {
            Trades = TopicCatalog.RawTrades.Name,
            ExchangeCandles = TopicCatalog.RawExchangeCandles.Name,
            EndOfInput = TopicCatalog.RawTrades.Name,
            ValidTradesOut = TopicCatalog.ValidTrades.Name,
            ExchangeCandlesOut = TopicCatalog.ExchangeCandles.Name,
            DeadLettersOut = TopicCatalog.DeadLetters.Name,
            CandlesOut = TopicCatalog.Candles.Name,
            FinalCandlesOut = TopicCatalog.FinalCandles.Name,
            IndicatorsOut = TopicCatalog.Indicators.Name,
            ValidatorState = TopicCatalog.ValidatorState.Name,
            AggregatorState = TopicCatalog.AggregatorState.Name,
            IndicatorState = TopicCatalog.IndicatorState.Name,
        };

    /// <summary>A replay into <paramref name="version"/>'s topics, reading <paramref name="trades"/>.</summary>
    public static ProcessorTopology Replay(
        VersionTopics version,
        string trades,
        bool validate,
        long fromUs,
        long toUs,
        IReadOnlySet<int>? intervals
    ) =>
        new()
        {
            Trades = trades,
            // Marks of the live catalog are not part of a replay's input: the replay closes every instrument itself at
            // the end of its range. Archive input carries its marks on the trades topic (header), which routes them.
            EndOfInput = trades,
            DeadLettersOut = version.DeadLetters.Name,
            CandlesOut = version.Candles.Name,
            FinalCandlesOut = version.FinalCandles.Name,
            IndicatorsOut = version.Indicators.Name,
            ValidatorState = version.ValidatorState.Name,
            AggregatorState = version.AggregatorState.Name,
            IndicatorState = version.IndicatorState.Name,
            Validate = validate,
            OpenCandleUpdates = false,
            WallClockClose = false,
            FromUs = fromUs,
            ToUs = toUs,
            Intervals = intervals,
        };

    internal bool Writes(CandleInterval interval) => Intervals is null || Intervals.Contains(interval.Index);
}
