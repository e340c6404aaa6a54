// What a user asks a replay for (ADR 0006): a version name, an exchange-time range, instruments, intervals, the input
// and the processing configuration to use. ReplayJob.PlanAsync checks it and turns it into a stored ReplayPlan.
using Pipeline.Plumbing.Configuration;
using Pipeline.Schemas;

namespace Pipeline.Processors.Replay;

public sealed record ReplayRequest
{
    /// <summary>The new version's name (--into).</summary>
    public required DataVersion Version { get; init; }

    /// <summary>Start of the exchange-time range, inclusive (microseconds since the epoch).</summary>
    public required long FromUs { get; init; }

    /// <summary>End of the range, exclusive; null = the time the replay is planned.</summary>
    public long? ToUs { get; init; }

    /// <summary>Instrument keys (exchange:BASE/QUOTE:market) to replay; empty = every configured instrument.</summary>
    public IReadOnlyList<string> Instruments { get; init; } = [];

    /// <summary>Interval names (1m, 1h, …) whose candles and indicators are written; empty = all.</summary>
    public IReadOnlyList<string> Intervals { get; init; } = [];

    /// <summary>Validate again from trades.raw with this request's validation rules, instead of trusting trades.valid.</summary>
    public bool Revalidate { get; init; }

    /// <summary>The topic to read; null = trades.valid (trades.raw with Revalidate). The archive replay passes
    /// VersionTopics.Input (replay.V.trades): trades in exchange-time order and end-of-input marks told apart by the
    /// header pipeline.type = "end-of-input" (or "pipeline.v1.EndOfInput"), value a pipeline.v1.EndOfInput. Fill that
    /// topic completely before planning: the replay reads it up to its end at plan time.</summary>
    public string? Input { get; init; }

    /// <summary>The processing configuration of the replay (indicator set and periods, lateness, validation rules).</summary>
    public required ProcessingOptions Processing { get; init; }
}
