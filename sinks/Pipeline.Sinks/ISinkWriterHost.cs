// What the batch writer needs from the sink around it: one write attempt against the database, and the Kafka
// consumer's part of a retry (waiting while keeping the group membership, re-reading after an ownership loss, lag).
using Confluent.Kafka;

namespace Pipeline.Sinks;

internal interface ISinkWriterHost
{
    /// <summary>One attempt to write the batch and claim its positions in one transaction; <paramref name="believed"/> is
    /// what the positions table held when the attempt started. Runs on a thread other than the consume loop's.</summary>
    Task WriteAsync(SinkBatch batch, IReadOnlyDictionary<TopicPartition, long> believed, CancellationToken ct);

    /// <summary>Whether repeating a failed attempt may succeed (the database or Kafka was unreachable, overloaded or
    /// restarting). Asked on the consume loop's thread as soon as the failure is seen.</summary>
    bool IsTransient(Exception failure);

    /// <summary>A transient failure was seen: drop the connection, report the database unreachable.</summary>
    void OnTransientFailure(Exception failure);

    /// <summary>Waits out a retry delay with every partition paused while polling (the group membership survives and
    /// rebalance callbacks run meanwhile); throws if a stored position turned out untrustworthy.</summary>
    void WaitKeepingMembership(TimeSpan delay, CancellationToken ct);

    /// <summary>Another writer moved a stored position: forget what was consumed since, read again from the stored positions.</summary>
    void Reseek();

    /// <summary>A batch committed with these positions: record it, and (when <paramref name="commitLag"/>) show the
    /// positions to Kafka as the group's offsets, for lag only.</summary>
    void OnCommitted(SinkBatch batch, IReadOnlyList<TopicPartitionOffset> positions, bool commitLag);
}
