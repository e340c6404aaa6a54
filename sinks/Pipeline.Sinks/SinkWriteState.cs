// The state of the sink's batch writer (see SinkBatchWriter for the transitions between them).
namespace Pipeline.Sinks;

internal abstract record SinkWriteState
{
    private SinkWriteState() { }

    /// <summary>No batch in flight and none held: the next batch may start.</summary>
    public sealed record Idle : SinkWriteState
    {
        public static readonly Idle Instance = new();
    }

    /// <summary>A batch is being written (on another thread while the consume loop fills the next one, or inline when
    /// a held batch is retried).</summary>
    public sealed record Writing(SinkBatch Batch, Task Attempt, int FailedAttempts) : SinkWriteState;

    /// <summary>The last attempt to write the batch failed; it is held (never skipped) until it is written, found
    /// written by another writer, or every partition of it is revoked.</summary>
    public sealed record Held(SinkBatch Batch, Exception Failure, int FailedAttempts) : SinkWriteState;

    /// <summary>The write in flight is being finished before the partitions move (a rebalance) or the sink stops.</summary>
    public sealed record Draining(SinkBatch? Batch) : SinkWriteState;
}
