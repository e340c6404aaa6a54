// Every topic the pipeline reads or writes: the one place that lists them with key, value type and retention.
using Pipeline.Schemas.V1;

namespace Pipeline.Plumbing.Topics;

public static class TopicCatalog
{
    private static readonly TimeSpan Week = TimeSpan.FromDays(7);
    private static readonly TimeSpan Month = TimeSpan.FromDays(30);

    public static readonly TopicSpec RawTrades = new(
        "trades.raw",
        "instrument key",
        typeof(Trade),
        "Trades as producers normalised them (live, backfill, import, simulated), and the end-of-input marks of imports and "
            + "backfills (header pipeline.type=pipeline.v1.EndOfInput) behind the trades they close.",
        Retention: Week
    );
    public static readonly TopicSpec RawExchangeCandles = new(
        "candles.exchange.raw",
        "instrument key",
        typeof(Candle),
        "Candles the venues push or serve (klines), as producers normalised them.",
        Retention: Week
    );
    public static readonly TopicSpec ValidTrades = new(
        "trades.valid",
        "instrument key",
        typeof(Trade),
        "Trades that passed validation, deduplicated by trade id.",
        Retention: Month
    );
    public static readonly TopicSpec ExchangeCandles = new(
        "candles.exchange",
        "instrument key",
        typeof(Candle),
        "Venue candles that passed validation, to compare with ours.",
        Retention: Month
    );
    public static readonly TopicSpec DeadLetters = new(
        "deadletter",
        "source topic key",
        typeof(DeadLetter),
        "Records that failed validation or processing, with the original bytes and the reason.",
        Retention: Month
    );
    public static readonly TopicSpec Candles = new(
        "candles",
        "instrument key",
        typeof(Candle),
        "Candles aggregated from trades on every interval: open updates and closed finals (with revisions).",
        Retention: Month
    );
    public static readonly TopicSpec FinalCandles = new(
        "candles.final",
        "instrument key",
        typeof(Candle),
        "Closed candles only (final and revised): subscribe here for \"final only\".",
        Retention: null
    );
    public static readonly TopicSpec Indicators = new(
        "indicators",
        "instrument key",
        typeof(IndicatorValue),
        "Technical indicators computed on closed candles.",
        Retention: null
    );
    public static readonly TopicSpec ValidatorState = new(
        "state.validator.changelog",
        "instrument key",
        typeof(byte[]),
        "Changelog of the validator's dedupe windows and price references.",
        Compacted: true
    );
    public static readonly TopicSpec AggregatorState = new(
        "state.candles.changelog",
        "instrument key + interval",
        typeof(byte[]),
        "Changelog of the candle aggregator's open candles and watermarks.",
        Compacted: true
    );
    public static readonly TopicSpec IndicatorState = new(
        "state.indicators.changelog",
        "instrument key + interval",
        typeof(byte[]),
        "Changelog of indicator state per instrument and interval.",
        Compacted: true
    );
    public static readonly TopicSpec BackfillJobs = new(
        "backfill.jobs",
        "job id",
        typeof(BackfillJob),
        "Backfill jobs (POST /backfills and the producers' catch-up) with each part's resume point; the latest record per id is the state.",
        Compacted: true,
        Partitions: 1
    );
    public static readonly TopicSpec VenueCoverage = new(
        "venue.coverage",
        "instrument key|interval",
        typeof(Schemas.V1.VenueCoverage),
        "How far the catch-up has fetched each instrument's venue candles, and the venue's own gaps (shown by /coverage).",
        Compacted: true,
        Partitions: 1
    );
    public static readonly TopicSpec TwapStatuses = new(
        "twap.statuses",
        "wallet (object key for version marks)",
        typeof(TwapRecord),
        "Hyperliquid TWAP status updates from the published Parquet objects, and one version mark per object ingest and partition.",
        Retention: null
    );

    public static readonly TopicSpec ReplayRequests = new(
        "replay.requests",
        "version name",
        typeof(byte[]),
        "Replays requested through POST /replays (JSON, Pipeline.Schemas.RequestedReplay), run by the replay worker.",
        Retention: Week,
        Partitions: 1
    );

    public static IReadOnlyList<TopicSpec> All { get; } =
    [
        RawTrades,
        RawExchangeCandles,
        ValidTrades,
        ExchangeCandles,
        DeadLetters,
        Candles,
        FinalCandles,
        Indicators,
        ValidatorState,
        AggregatorState,
        IndicatorState,
        BackfillJobs,
        VenueCoverage,
        TwapStatuses,
        ReplayRequests,
    ];
}
