namespace Pipeline.Broker;

/// <summary>What the transaction coordinator keeps per transactional.id (persisted on every change).</summary>
internal sealed class TransactionMetadata
{
    public enum TxnState : byte
    {
        Empty,
        Ongoing,
        CompleteCommit,
        CompleteAbort,
    }

    public required string TransactionalId { get; init; }
    public long ProducerId { get; set; }
    public short Epoch { get; set; }
    public int TimeoutMs { get; set; }
    public TxnState State { get; set; }
    public DateTime StartedUtc { get; set; }

    /// <summary>The epoch a timeout abort bumped away from (KIP-360 lets that producer re-initialise); -1 if none.</summary>
    public short TimedOutEpoch { get; set; } = -1;
    public HashSet<(string Topic, int Partition)> Partitions { get; } = new();
    public HashSet<string> Groups { get; } = new();
}
