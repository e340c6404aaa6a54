// The archive's health for readiness and metrics: per dataset, its state and the last upload error while holding.
using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Pipeline.Archive;

public static class ArchiveStatus
{
    private static readonly Meter Meter = new("Pipeline.Archive");
    private static readonly ConcurrentDictionary<string, (ArchiveState State, string? Error)> States = new();

    public static readonly Counter<long> RecordsArchived = Meter.CreateCounter<long>("pipeline.archive.records", description: "Records archived, by dataset");
    public static readonly Counter<long> FilesUploaded = Meter.CreateCounter<long>("pipeline.archive.files", description: "Parquet objects uploaded, by dataset");
    public static readonly Counter<long> UploadFailures = Meter.CreateCounter<long>("pipeline.archive.upload_failures", description: "Failed upload attempts (retried), by dataset");
    public static readonly Counter<long> DeadLetters = Meter.CreateCounter<long>("pipeline.archive.deadletters", description: "Records the archive could not write, sent to the dead-letter topic");

    static ArchiveStatus()
    {
        Meter.CreateObservableGauge("pipeline.archive.holding", () => States.Select(s =>
            new Measurement<int>(s.Value.State == ArchiveState.Holding ? 1 : 0, new KeyValuePair<string, object?>("dataset", s.Key))),
            description: "1 while the dataset holds a segment S3 has not accepted (S3 down or refusing)");
    }

    public static void Set(string dataset, ArchiveState state, string? error = null) => States[dataset] = (state, error);

    public static IReadOnlyDictionary<string, (ArchiveState State, string? Error)> Snapshot() => States.ToDictionary(s => s.Key, s => s.Value);

    /// <summary>Ready unless a dataset is holding data S3 refuses: the reason, or null when ready.</summary>
    public static string? NotReadyReason() => States
        .Where(s => s.Value.State == ArchiveState.Holding)
        .Select(s => $"archive {s.Key}: holding data, S3 upload failing ({s.Value.Error})")
        .FirstOrDefault();
}
