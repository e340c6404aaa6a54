// A replay as planned: the request resolved (range end, instruments, processing configuration) and the input positions
// fixed at plan time. Stored as JSON under the key "plan" in replay.<V>.plan before any processing, so a resumed
// replay reads exactly the same records and processes them the same way; "complete" is written in the last transaction.
using System.Text.Json;
using System.Text.Json.Serialization;
using Pipeline.Plumbing.Configuration;

namespace Pipeline.Processors.Replay;

public sealed record ReplayPlan
{
    public required string Version { get; init; }
    public required long FromUs { get; init; }
    public required long ToUs { get; init; }

    /// <summary>Instrument keys; empty = every configured instrument.</summary>
    public required IReadOnlyList<string> Instruments { get; init; }

    /// <summary>Interval names; empty = all.</summary>
    public required IReadOnlyList<string> Intervals { get; init; }
    public required string Input { get; init; }
    public required bool Revalidate { get; init; }

    // The processing configuration (ProcessingOptions' fields that change results).
    public required IReadOnlyList<string> Indicators { get; init; }
    public required int AllowedLatenessMs { get; init; }
    public required int RevisionHorizonMs { get; init; }
    public required int MaxClockSkewMs { get; init; }
    public required int DedupeWindow { get; init; }
    public required double PriceJumpFraction { get; init; }

    /// <summary>First offset to read per input partition (index = partition): OffsetsForTimes(from − MaxClockSkewMs).</summary>
    public required IReadOnlyList<long> Start { get; init; }

    /// <summary>End offset (exclusive) per input partition: the last stable offset when the replay was planned.</summary>
    public required IReadOnlyList<long> End { get; init; }
    public required long PlannedAtUs { get; init; }

    [JsonIgnore]
    public long Total => Start.Select((s, p) => Math.Max(0, End[p] - s)).Sum();

    /// <summary>The replay's processing options: the live ones (transactions, ids) with this plan's processing settings.</summary>
    public ProcessingOptions ToProcessingOptions(ProcessingOptions live) =>
        new()
        {
            GroupId = ReplayJob.GroupIdOf(Schemas.DataVersion.Parse(Version)),
            InstanceId = "0",
            CommitIntervalMs = Math.Max(live.CommitIntervalMs, 500),
            CommitMaxRecords = Math.Max(live.CommitMaxRecords, 100_000),
            AllowedLatenessMs = AllowedLatenessMs,
            RevisionHorizonMs = RevisionHorizonMs,
            OpenUpdateThrottleMs = live.OpenUpdateThrottleMs,
            MaxClockSkewMs = MaxClockSkewMs,
            DedupeWindow = DedupeWindow,
            PriceJumpFraction = PriceJumpFraction,
            Indicators = Indicators.ToList(),
        };

    /// <summary>True when <paramref name="other"/> asks for the same replay (a re-run command resumes it).
    /// A plan made without --to matches a request without --to.</summary>
    public bool SameRequest(ReplayPlan other, bool toGiven) =>
        FromUs == other.FromUs
        && (!toGiven || ToUs == other.ToUs)
        && Input == other.Input
        && Revalidate == other.Revalidate
        && Instruments.SequenceEqual(other.Instruments)
        && Intervals.SequenceEqual(other.Intervals)
        && Indicators.SequenceEqual(other.Indicators)
        && AllowedLatenessMs == other.AllowedLatenessMs
        && RevisionHorizonMs == other.RevisionHorizonMs
        && MaxClockSkewMs == other.MaxClockSkewMs
        && DedupeWindow == other.DedupeWindow
        && PriceJumpFraction.Equals(other.PriceJumpFraction);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, Json);

    public static ReplayPlan FromJson(byte[] json) =>
        JsonSerializer.Deserialize<ReplayPlan>(json, Json) ?? throw new InvalidDataException("replay plan: empty JSON");
}
