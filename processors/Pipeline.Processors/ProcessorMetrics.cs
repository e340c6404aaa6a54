// Counters of the processors (System.Diagnostics.Metrics; exported by whatever listener the host installs).
using System.Diagnostics.Metrics;

namespace Pipeline.Processors;

public static class ProcessorMetrics
{
    public static readonly Meter Meter = new("Pipeline.Processors");
    public static readonly Counter<long> Records = Meter.CreateCounter<long>(
        "pipeline.processor.records",
        description: "Input records processed"
    );
    public static readonly Counter<long> DeadLetters = Meter.CreateCounter<long>(
        "pipeline.processor.deadletters",
        description: "Records sent to the dead-letter topic, by reason"
    );
    public static readonly Counter<long> LateTrades = Meter.CreateCounter<long>(
        "pipeline.processor.late_trades",
        description: "Trades that revised a closed candle"
    );
    public static readonly Counter<long> ClockCloses = Meter.CreateCounter<long>(
        "pipeline.processor.clock_closes",
        description: "Candles of real-time instruments closed by the wall clock (no later trade came)"
    );
    public static readonly Counter<long> PriceJumps = Meter.CreateCounter<long>(
        "pipeline.processor.price_jumps",
        description: "Trades flagged for a price jump"
    );
    public static readonly Counter<long> IndicatorsNotRecomputed = Meter.CreateCounter<long>(
        "pipeline.processor.indicators_not_recomputed",
        description: "Revised candles older than the indicator history"
    );
    public static readonly Counter<long> ProcessingFailures = Meter.CreateCounter<long>(
        "pipeline.processor.processing_failures",
        description: "Records that failed past validation and were dead-lettered as processing_failed (a bug to fix)"
    );
    public static readonly Counter<long> Transactions = Meter.CreateCounter<long>(
        "pipeline.processor.transactions",
        description: "Committed transactions"
    );
}
