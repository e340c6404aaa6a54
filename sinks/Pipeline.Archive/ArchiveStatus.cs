// The archive's health for readiness and metrics: per dataset, its state, and while holding (S3 down or refusing) how many
// records it holds, since when S3 has failed and the last error.
using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Pipeline.Archive;

public static class ArchiveStatus
{
    private static readonly Meter Meter = new("Pipeline.Archive");
    private static readonly ConcurrentDictionary<string, DatasetStatus> States = new();

    public static readonly Counter<long> RecordsArchived = Meter.CreateCounter<long>(
        "pipeline.archive.records",
        description: "Records archived, by dataset"
    );
    public static readonly Counter<long> FilesUploaded = Meter.CreateCounter<long>(
        "pipeline.archive.files",
        description: "Parquet objects uploaded, by dataset"
    );
    public static readonly Counter<long> UploadFailures = Meter.CreateCounter<long>(
        "pipeline.archive.upload_failures",
        description: "Failed upload attempts (retried), by dataset"
    );
    public static readonly Counter<long> DeadLetters = Meter.CreateCounter<long>(
        "pipeline.archive.deadletters",
        description: "Records the archive could not write, sent to the dead-letter topic"
    );

    /// <summary>One dataset's state; <see cref="FailingSince"/> is the first failure of the current outage.</summary>
    public sealed record DatasetStatus(ArchiveState State, string? Error, long HeldRecords, DateTime? FailingSince);

    static ArchiveStatus()
    {
        Meter.CreateObservableGauge(
            "pipeline.archive.holding",
            () => States.Select(s => new Measurement<int>(s.Value.State == ArchiveState.Holding ? 1 : 0, Dataset(s.Key))),
            description: "1 while the dataset holds a segment S3 has not accepted (S3 down or refusing)"
        );
        Meter.CreateObservableGauge(
            "pipeline.archive.held_records",
            () =>
                States.Select(s => new Measurement<long>(s.Value.State == ArchiveState.Holding ? s.Value.HeldRecords : 0, Dataset(s.Key))),
            description: "Records read from Kafka and held, not yet archived, while S3 refuses them"
        );
        Meter.CreateObservableGauge(
            "pipeline.archive.s3_failing_seconds",
            () =>
                States.Select(s => new Measurement<double>(
                    s.Value.FailingSince is { } since ? (DateTime.UtcNow - since).TotalSeconds : 0,
                    Dataset(s.Key)
                )),
            unit: "s",
            description: "How long S3 has been failing for the dataset's uploads (0 when it answers)"
        );
    }

    private static KeyValuePair<string, object?> Dataset(string name) => new("dataset", name);

    public static void Set(string dataset, ArchiveState state, string? error = null, long heldRecords = 0) =>
        States.AddOrUpdate(
            dataset,
            _ => new DatasetStatus(state, error, heldRecords, state == ArchiveState.Holding ? DateTime.UtcNow : null),
            (_, old) =>
                new DatasetStatus(state, error, heldRecords, state == ArchiveState.Holding ? old.FailingSince ?? DateTime.UtcNow : null)
        );

    public static IReadOnlyDictionary<string, DatasetStatus> Snapshot() => States.ToDictionary(s => s.Key, s => s.Value);

    /// <summary>Ready unless a dataset is holding data S3 refuses: the reason, or null when ready.</summary>
    public static string? NotReadyReason()
    {
        var holding = States.Where(s => s.Value.State == ArchiveState.Holding).OrderBy(s => s.Key, StringComparer.Ordinal).ToList();
        if (holding.Count == 0)
            return null;
        var since = holding.Min(s => s.Value.FailingSince ?? DateTime.UtcNow);
        return $"archive holding {holding.Sum(s => s.Value.HeldRecords)} records "
            + $"({string.Join(", ", holding.Select(s => $"{s.Key} {s.Value.HeldRecords}"))}), "
            + $"S3 unreachable since {since:yyyy-MM-ddTHH:mm:ssZ} ({holding[0].Value.Error})";
    }
}
