using Microsoft.Extensions.Logging;
using static Pipeline.Broker.TransactionMetadata;

namespace Pipeline.Broker;

/// <summary>
/// Kafka's transaction coordinator (KIP-98) for one node: producer id allocation, epochs and fencing,
/// the partitions and groups of each open transaction, COMMIT/ABORT markers, and aborting transactions that
/// outlive their timeout. State is persisted in an internal log, so a restart resumes open transactions.
/// Markers are written synchronously under one lock, which keeps the state machine free of Prepare* states.
/// </summary>
internal sealed class TransactionCoordinator : IDisposable
{
    private const byte EntryState = 1,
        EntryProducerIdBlock = 2;
    private const int ProducerIdBlockSize = 1000;

    private readonly object _lock = new();
    private readonly Dictionary<string, TransactionMetadata> _txns = new();
    private readonly Dictionary<long, TransactionMetadata> _byProducerId = new();
    private readonly LogManager _logs;
    private readonly GroupCoordinator _groups;
    private readonly BrokerOptions _options;
    private readonly ILogger _logger;
    private readonly InternalLog _log;
    private long _nextProducerId;
    private long _reservedUntil;

    public TransactionCoordinator(BrokerOptions options, LogManager logs, GroupCoordinator groups, ILogger logger)
    {
        _options = options;
        _logs = logs;
        _groups = groups;
        _logger = logger;
        _log = new InternalLog(
            Path.Combine(options.DataDir, "__transaction_state", "transactions.log"),
            options.FlushInterval is not null,
            Replay
        );
        // Never reuse producer ids handed out before a crash: skip to the end of the last reserved block.
        _nextProducerId = _reservedUntil;
        _log.Rewrite(Snapshot());
        foreach (var t in _txns.Values)
            _byProducerId[t.ProducerId] = t;
    }

    private void Replay(byte[] payload)
    {
        var r = new BinaryReader(new MemoryStream(payload));
        switch (r.ReadByte())
        {
            case EntryProducerIdBlock:
                _reservedUntil = Math.Max(_reservedUntil, r.ReadInt64());
                break;
            case EntryState:
            {
                var t = new TransactionMetadata { TransactionalId = r.ReadString() };
                t.ProducerId = r.ReadInt64();
                t.Epoch = r.ReadInt16();
                t.TimeoutMs = r.ReadInt32();
                t.State = (TxnState)r.ReadByte();
                t.StartedUtc = DateTime.FromBinary(r.ReadInt64());
                int n = r.ReadInt32();
                for (int i = 0; i < n; i++)
                    t.Partitions.Add((r.ReadString(), r.ReadInt32()));
                n = r.ReadInt32();
                for (int i = 0; i < n; i++)
                    t.Groups.Add(r.ReadString());
                _txns[t.TransactionalId] = t;
                _reservedUntil = Math.Max(_reservedUntil, t.ProducerId + 1);
                break;
            }
        }
    }

    private static byte[] StateEntry(TransactionMetadata t)
    {
        var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms))
        {
            w.Write(EntryState);
            w.Write(t.TransactionalId);
            w.Write(t.ProducerId);
            w.Write(t.Epoch);
            w.Write(t.TimeoutMs);
            w.Write((byte)t.State);
            w.Write(t.StartedUtc.ToBinary());
            w.Write(t.Partitions.Count);
            foreach (var (topic, p) in t.Partitions)
            {
                w.Write(topic);
                w.Write(p);
            }
            w.Write(t.Groups.Count);
            foreach (var g in t.Groups)
                w.Write(g);
        }
        return ms.ToArray();
    }

    private static byte[] BlockEntry(long until)
    {
        var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms))
        {
            w.Write(EntryProducerIdBlock);
            w.Write(until);
        }
        return ms.ToArray();
    }

    private IEnumerable<byte[]> Snapshot()
    {
        yield return BlockEntry(_reservedUntil);
        foreach (var t in _txns.Values)
            yield return StateEntry(t);
    }

    private void Persist(TransactionMetadata t)
    {
        _log.Append(StateEntry(t));
        if (_log.NeedsCompaction)
            _log.Rewrite(Snapshot().ToList());
    }

    private long AllocateProducerId()
    {
        if (_nextProducerId >= _reservedUntil)
        {
            _reservedUntil = _nextProducerId + ProducerIdBlockSize;
            _log.Append(BlockEntry(_reservedUntil));
        }
        return _nextProducerId++;
    }

    public (ErrorCode Error, long ProducerId, short Epoch) InitProducerId(
        string? transactionalId,
        int timeoutMs,
        long expectedPid = -1,
        short expectedEpoch = -1
    )
    {
        lock (_lock)
        {
            // An idempotent producer (re)initialising, including a KIP-360 epoch bump, gets a fresh id: nothing else shares it.
            if (string.IsNullOrEmpty(transactionalId))
                return (ErrorCode.None, AllocateProducerId(), 0);
            if (timeoutMs <= 0 || timeoutMs > _options.MaxTransactionTimeoutMs)
                return (ErrorCode.InvalidTransactionTimeout, -1, -1);
            if (_txns.TryGetValue(transactionalId, out var t))
            {
                // KIP-360: a producer resuming with its id and epoch must still be the current one, or it was fenced.
                // The exception is the epoch our own timeout abort bumped away from: that producer may recover.
                if (expectedPid >= 0 && (expectedPid != t.ProducerId || (expectedEpoch != t.Epoch && expectedEpoch != t.TimedOutEpoch)))
                    return (ErrorCode.InvalidProducerEpoch, -1, -1);
                t.TimedOutEpoch = -1;
                if (t.State == TxnState.Ongoing)
                {
                    // A new incarnation of the producer: its predecessor's transaction can never finish.
                    _logger.LogInformation("Aborting open transaction of {TransactionalId} on re-initialisation", transactionalId);
                    Complete(t, commit: false, bumpEpoch: true);
                }
                else if (t.Epoch >= short.MaxValue - 1)
                {
                    _byProducerId.Remove(t.ProducerId);
                    t.ProducerId = AllocateProducerId();
                    t.Epoch = -1;
                }
                t.Epoch++;
                FencePartitions(t);
            }
            else
            {
                t = new TransactionMetadata
                {
                    TransactionalId = transactionalId,
                    ProducerId = AllocateProducerId(),
                    Epoch = 0,
                };
                _txns[transactionalId] = t;
            }
            _byProducerId[t.ProducerId] = t;
            t.TimeoutMs = timeoutMs;
            t.State = TxnState.Empty;
            t.Partitions.Clear();
            t.Groups.Clear();
            Persist(t);
            return (ErrorCode.None, t.ProducerId, t.Epoch);
        }
    }

    private void FencePartitions(TransactionMetadata t)
    {
        // The old incarnation may still have batches in flight to partitions we know of; make them fail.
        foreach (var topic in _logs.Topics)
        foreach (var p in topic.Partitions)
            p.FenceProducer(t.ProducerId, t.Epoch);
    }

    private ErrorCode Check(string transactionalId, long producerId, short epoch, out TransactionMetadata? t)
    {
        if (!_txns.TryGetValue(transactionalId, out t))
            return ErrorCode.InvalidProducerIdMapping;
        if (t.ProducerId != producerId)
            return ErrorCode.InvalidProducerIdMapping;
        if (t.Epoch != epoch)
            return ErrorCode.InvalidProducerEpoch;
        return ErrorCode.None;
    }

    public Dictionary<(string, int), ErrorCode> AddPartitions(
        string transactionalId,
        long producerId,
        short epoch,
        List<(string Topic, int Partition)> partitions
    )
    {
        lock (_lock)
        {
            var result = new Dictionary<(string, int), ErrorCode>();
            var error = Check(transactionalId, producerId, epoch, out var t);
            if (error == ErrorCode.None)
            {
                foreach (var tp in partitions)
                    if (_logs.Get(tp.Topic, tp.Partition) is null)
                    {
                        error = ErrorCode.OperationNotAttempted;
                        result[tp] = ErrorCode.UnknownTopicOrPartition;
                    }
            }
            if (error != ErrorCode.None)
            {
                foreach (var tp in partitions)
                    result.TryAdd(tp, error);
                return result;
            }
            Begin(t!);
            foreach (var tp in partitions)
            {
                t!.Partitions.Add(tp);
                result[tp] = ErrorCode.None;
            }
            Persist(t!);
            return result;
        }
    }

    private static void Begin(TransactionMetadata t)
    {
        if (t.State == TxnState.Ongoing)
            return;
        t.State = TxnState.Ongoing;
        t.StartedUtc = DateTime.UtcNow;
        t.Partitions.Clear();
        t.Groups.Clear();
    }

    public ErrorCode AddOffsets(string transactionalId, long producerId, short epoch, string groupId)
    {
        lock (_lock)
        {
            var error = Check(transactionalId, producerId, epoch, out var t);
            if (error != ErrorCode.None)
                return error;
            Begin(t!);
            t!.Groups.Add(groupId);
            Persist(t);
            return ErrorCode.None;
        }
    }

    public ErrorCode ValidateTxnOffsetCommit(string transactionalId, long producerId, short epoch, string groupId)
    {
        lock (_lock)
        {
            var error = Check(transactionalId, producerId, epoch, out var t);
            if (error != ErrorCode.None)
                return error;
            return t!.State == TxnState.Ongoing && t.Groups.Contains(groupId) ? ErrorCode.None : ErrorCode.InvalidTxnState;
        }
    }

    /// <summary>For transactional produce: is this producer's epoch current and the partition part of its transaction?</summary>
    public ErrorCode ValidateProduce(long producerId, short epoch, string topic, int partition)
    {
        lock (_lock)
        {
            if (!_byProducerId.TryGetValue(producerId, out var t))
                return ErrorCode.InvalidProducerIdMapping;
            if (epoch < t.Epoch)
                return ErrorCode.InvalidProducerEpoch;
            if (epoch > t.Epoch)
                return ErrorCode.InvalidProducerEpoch;
            if (t.State != TxnState.Ongoing || !t.Partitions.Contains((topic, partition)))
                return ErrorCode.InvalidTxnState;
            return ErrorCode.None;
        }
    }

    public ErrorCode EndTxn(string transactionalId, long producerId, short epoch, bool commit)
    {
        lock (_lock)
        {
            var error = Check(transactionalId, producerId, epoch, out var t);
            if (error != ErrorCode.None)
                return error;
            switch (t!.State)
            {
                case TxnState.Ongoing:
                    Complete(t, commit, bumpEpoch: false);
                    Persist(t);
                    return ErrorCode.None;
                case TxnState.CompleteCommit when commit:
                case TxnState.CompleteAbort when !commit:
                    return ErrorCode.None; // a retry of an EndTxn that already took effect
                case TxnState.Empty when !commit:
                    return ErrorCode.None;
                default:
                    return ErrorCode.InvalidTxnState;
            }
        }
    }

    /// <summary>Writes the markers, settles the group offsets and moves to Complete*. bumpEpoch fences the current epoch.</summary>
    private void Complete(TransactionMetadata t, bool commit, bool bumpEpoch)
    {
        short markerEpoch = bumpEpoch ? (short)(t.Epoch + 1) : t.Epoch;
        foreach (var (topic, partition) in t.Partitions)
        {
            try
            {
                _logs.Get(topic, partition)?.AppendMarker(t.ProducerId, markerEpoch, commit, 0);
            }
            catch (ObjectDisposedException) { } // topic deleted meanwhile
        }
        _groups.CompleteTransaction(t.ProducerId, commit);
        t.State = commit ? TxnState.CompleteCommit : TxnState.CompleteAbort;
        if (bumpEpoch)
            t.Epoch = markerEpoch;
        t.Partitions.Clear();
        t.Groups.Clear();
    }

    /// <summary>Aborts transactions open longer than their timeout, fencing the producer that left them open.</summary>
    public void Tick()
    {
        lock (_lock)
        {
            var now = DateTime.UtcNow;
            foreach (var t in _txns.Values)
            {
                if (t.State != TxnState.Ongoing || now - t.StartedUtc <= TimeSpan.FromMilliseconds(t.TimeoutMs))
                    continue;
                _logger.LogInformation(
                    "Aborting transaction of {TransactionalId}: open longer than its {Timeout} ms timeout",
                    t.TransactionalId,
                    t.TimeoutMs
                );
                short before = t.Epoch;
                Complete(t, commit: false, bumpEpoch: true);
                t.TimedOutEpoch = before;
                Persist(t);
            }
        }
    }

    public void Dispose() => _log.Dispose();
}
