// Runs MarketDataProcessor on Kafka exactly once: consume → process → produce outputs, changelog records and the
// input offsets in one transaction, committed every CommitIntervalMs or CommitMaxRecords (never per record), or sooner
// (CaughtUpCommitIntervalMs) once everything fetched is processed.
using System.Diagnostics;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Pipeline.Plumbing;
using Pipeline.Plumbing.Configuration;
using Pipeline.Plumbing.Metrics;
using Pipeline.Plumbing.Serialization;
using Pipeline.Plumbing.Topics;
using Pipeline.Schemas;

namespace Pipeline.Processors.Hosting;

public sealed class ProcessorHost
{
    private static readonly TimeSpan TxTimeout = TimeSpan.FromSeconds(30);

    /// <summary>This role's name on the shared record-flow and transaction metrics.</summary>
    private const string Role = "process";
    private readonly PipelineContext _context;
    private readonly ProcessingOptions _options;
    private readonly ILogger _log;
    private readonly MarketDataProcessor _processor;
    private readonly List<OutputRecord> _outputs = new();
    private readonly Dictionary<TopicPartition, long> _offsets = new();
    private readonly string _transactionalId;
    private IProducer<byte[]?, byte[]?>? _producer;
    private IConsumer<byte[]?, byte[]?>? _consumer;
    private bool _inTransaction;
    private int _uncommitted;
    private CancellationToken _ct;
    private readonly TimeProvider _clock;

    /// <param name="clock">Processing time (open-update throttle, wall-clock close of real-time candles); null = the system clock.</param>
    public ProcessorHost(PipelineContext context, TimeProvider? clock = null)
    {
        _context = context;
        _clock = clock ?? TimeProvider.System;
        _options = context.Options.Processing;
        _log = context.LoggerFactory.CreateLogger<ProcessorHost>();
        var instruments = context.Options.Instruments.Select(i => i.ToInstrumentRef().Key);
        _transactionalId = $"{_options.GroupId}-{_options.InstanceId}";
        _processor = new MarketDataProcessor(
            _options,
            instruments,
            context.LoggerFactory.CreateLogger<MarketDataProcessor>(),
            _transactionalId
        );
    }

    /// <summary>Runs on a dedicated thread (Kafka's consume call blocks) until cancelled, then commits the last complete
    /// transaction.</summary>
    public Task RunAsync(CancellationToken ct) =>
        Task.Factory.StartNew(() => Run(ct), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void Run(CancellationToken ct)
    {
        _ct = ct;
        var kafka = _context.Kafka;
        TopicLayoutCheck.Verify(kafka);
        _producer = new ProducerBuilder<byte[]?, byte[]?>(kafka.Producer(_transactionalId, _transactionalId)).Build();
        // Fences a previous instance with the same transactional id and aborts its open transaction.
        _producer.InitTransactions(TxTimeout);
        var config = kafka.Consumer(_transactionalId, _options.GroupId);
        // Range assigns partition N of every input topic to the same instance: trades (with their end-of-input marks,
        // ADR 0007), venue candles and the changelogs of an instrument stay together.
        config.PartitionAssignmentStrategy = PartitionAssignmentStrategy.Range;
        // Reaching the end of a trades partition tells the processor its instruments are caught up (wall-clock close).
        config.EnablePartitionEof = true;
        _consumer = new ConsumerBuilder<byte[]?, byte[]?>(config)
            .SetPartitionsAssignedHandler((_, parts) => OnAssigned(parts))
            .SetPartitionsRevokedHandler((_, parts) => OnRevoked(parts))
            .SetPartitionsLostHandler((_, parts) => OnLost(parts))
            .Build();
        using var lagTracking = ConsumerLagMetrics.Track(_consumer, _options.GroupId);
        _log.LogInformation(
            "Processor {Id} starting on {Bootstrap} (group {Group})",
            _transactionalId,
            kafka.BootstrapServers,
            _options.GroupId
        );
        try
        {
            _consumer.Subscribe(MarketDataProcessor.InputTopics);
            var sinceCommit = Stopwatch.StartNew();
            var interval = TimeSpan.FromMilliseconds(_options.CommitIntervalMs);
            while (!ct.IsCancellationRequested)
            {
                ConsumeResult<byte[]?, byte[]?>? cr;
                try
                {
                    cr = NextRecord(sinceCommit);
                }
                catch (ConsumeException e) when (!e.Error.IsFatal)
                {
                    _log.LogWarning("Consume failed: {Reason}", e.Error.Reason);
                    continue;
                }
                if (cr is { IsPartitionEOF: true } && cr.Topic == _processor.Topology.Trades)
                    _processor.CaughtUp(cr.Partition.Value);
                else if (cr is { IsPartitionEOF: false })
                    Process(cr);
                if (sinceCommit.Elapsed >= interval || _uncommitted >= _options.CommitMaxRecords)
                {
                    Commit();
                    sinceCommit.Restart();
                }
            }
            Commit();
            _consumer.Close();
            _log.LogInformation("Processor {Id} stopped after committing its last transaction", _transactionalId);
        }
        finally
        {
            _consumer.Dispose();
            _producer.Dispose();
        }
    }

    /// <summary>The next record the consumer has fetched, else whatever arrives within a short wait. Once it has nothing
    /// more at hand (live flow, no backlog), the open transaction commits as soon as it is CaughtUpCommitIntervalMs old,
    /// and the wait ends when that is due. A backlog never empties the local queue, so catching up keeps the longer
    /// CommitIntervalMs (fewer, larger transactions).</summary>
    private ConsumeResult<byte[]?, byte[]?>? NextRecord(Stopwatch sinceCommit)
    {
        if (_consumer!.Consume(TimeSpan.Zero) is { } ready)
            return ready;
        var wait = TimeSpan.FromMilliseconds(Math.Min(50, _options.CommitIntervalMs));
        if (_uncommitted > 0 && _options.CaughtUpCommitIntervalMs > 0)
        {
            var due = TimeSpan.FromMilliseconds(_options.CaughtUpCommitIntervalMs) - sinceCommit.Elapsed;
            if (due <= TimeSpan.Zero)
            {
                Commit();
                sinceCommit.Restart();
            }
            else if (due < wait)
                wait = due;
        }
        return _consumer.Consume(wait);
    }

    private void Process(ConsumeResult<byte[]?, byte[]?> cr)
    {
        BeginIfNeeded();
        _processor.Process(ProcessorRecord.From(cr), NowUs(), _outputs);
        ProduceOutputs();
        _offsets[cr.TopicPartition] = cr.Offset.Value + 1;
        _uncommitted++;
        RecordFlowMetrics.In(Role, cr.Topic);
    }

    private void OnAssigned(List<TopicPartition> parts)
    {
        var partitions = parts.Select(p => p.Partition.Value).Distinct().ToList();
        _log.LogInformation("Assigned {Partitions}", string.Join(", ", parts));
        ChangelogRestorer.Restore(_context.Kafka, _options.GroupId, partitions, _processor, _log, _ct);
    }

    private void OnRevoked(List<TopicPartitionOffset> parts)
    {
        _log.LogInformation("Revoked {Partitions}", string.Join(", ", parts.Select(p => p.TopicPartition)));
        // Eager rebalancing: the generation is still ours here, so the work done so far commits with its offsets.
        // If that fails the transaction is aborted; the state is dropped below either way and the next owner
        // restores it from the changelog, consistent with the committed offsets.
        if (!TryCommit())
            _log.LogWarning("Commit on revocation failed; the next owner reprocesses from the last commit");
        _processor.DropPartitions(parts.Select(p => p.Partition.Value).Distinct());
    }

    /// <summary>Membership was lost (session timeout): another instance may own the partitions already, so nothing
    /// of the open transaction may commit. Abort it and forget the state; the next owner restores from the changelog.</summary>
    private void OnLost(List<TopicPartitionOffset> parts)
    {
        _log.LogWarning("Lost {Partitions}; aborting the open transaction", string.Join(", ", parts.Select(p => p.TopicPartition)));
        if (_inTransaction)
        {
            try
            {
                _producer!.AbortTransaction(TxTimeout);
            }
            catch (KafkaException e) when (!e.Error.IsFatal)
            {
                _log.LogWarning("Abort after losing partitions failed: {Reason}", e.Error.Reason);
            }
            TransactionMetrics.Aborted(Role);
            _inTransaction = false;
        }
        _outputs.Clear();
        _offsets.Clear();
        _uncommitted = 0;
        // Everything in memory may include aborted work: drop it all; assigned partitions are restored on reassignment.
        _processor.DropAll();
    }

    private void BeginIfNeeded()
    {
        if (_inTransaction)
            return;
        _producer!.BeginTransaction();
        _inTransaction = true;
    }

    private void ProduceOutputs()
    {
        foreach (var o in _outputs)
        {
            o.ProduceTo(_producer!);
            RecordFlowMetrics.Out(Role, o.Topic);
        }
        _outputs.Clear();
    }

    private void Commit()
    {
        if (!TryCommit())
            RewindAndRestore();
    }

    /// <summary>Flushes and commits the open transaction. Returns false when it had to be aborted: then the
    /// in-memory state and consumer positions are ahead of what committed, and the caller must put them back.
    /// Never leaves a transaction open after a failure.</summary>
    private bool TryCommit()
    {
        try
        {
            _processor.Flush(NowUs(), _outputs);
            if (_outputs.Count > 0)
                BeginIfNeeded();
            ProduceOutputs();
            if (!_inTransaction)
                return true;
            KillHereIfTestAsks();
            var committing = Stopwatch.StartNew();
            if (_offsets.Count > 0)
                _producer!.SendOffsetsToTransaction(
                    _offsets.Select(o => new TopicPartitionOffset(o.Key, new Offset(o.Value))),
                    _consumer!.ConsumerGroupMetadata,
                    TxTimeout
                );
            _producer!.CommitTransaction(TxTimeout);
            _inTransaction = false;
            ProcessorMetrics.Transactions.Add(1);
            TransactionMetrics.Committed(Role, committing.Elapsed);
            return true;
        }
        catch (KafkaException e)
            when (e.Error.IsFatal
                || e.Error.Code == ErrorCode.Local_Fenced
                || e.Error.Code == ErrorCode.ProducerFenced
                || e.Error.Code == ErrorCode.InvalidProducerEpoch
            )
        {
            throw new ProcessorFencedException(
                $"processor {_transactionalId} was fenced or failed fatally ({e.Error.Reason}): another instance with the same "
                    + "Processing:InstanceId took over (give each instance its own: PIPELINE__PROCESSING__INSTANCEID), "
                    + "or the broker lost its transaction state",
                e
            );
        }
        catch (KafkaException e)
        {
            // Abortable (KafkaTxnRequiresAbortException), or retriable (a timeout, a rebalance in progress):
            // aborting is always safe, the work is redone from the last commit.
            _log.LogWarning("Transaction failed ({Reason}); aborting it and restoring state from the changelog", e.Error.Reason);
            _outputs.Clear();
            if (_inTransaction)
                _producer!.AbortTransaction(TxTimeout);
            if (_inTransaction)
                TransactionMetrics.Aborted(Role);
            _inTransaction = false;
            return false;
        }
        finally
        {
            _offsets.Clear();
            _uncommitted = 0;
        }
    }

    /// <summary>After an abort, in-memory state and consumer positions are ahead of what committed: go back to both.</summary>
    private void RewindAndRestore()
    {
        var assignment = _consumer!.Assignment;
        _processor.DropAll();
        var committed = _consumer.Committed(assignment, TxTimeout);
        foreach (var c in committed)
            _consumer.Seek(new TopicPartitionOffset(c.TopicPartition, c.Offset.IsSpecial ? Offset.Beginning : c.Offset));
        ChangelogRestorer.Restore(
            _context.Kafka,
            _options.GroupId,
            assignment.Select(p => p.Partition.Value).Distinct().ToList(),
            _processor,
            _log,
            _ct
        );
    }

    private long NowUs() => UnixMicros.Now(_clock);

    /// <summary>Test hook (ADR 0008's first failure mode): PIPELINE_TEST_PROCESSOR_KILL_BEFORE_COMMIT=N kills the process
    /// (SIGKILL) in its Nth transaction once its outputs and changelog records reached the broker, before the commit.</summary>
    private void KillHereIfTestAsks()
    {
        if (!_killBeforeCommit.Due())
            return;
        _producer!.Flush(TxTimeout);
        TestKillHook.Kill($"the processor after writing state, before commit {_killBeforeCommit.After}");
    }

    private readonly TestKillHook _killBeforeCommit = new("PIPELINE_TEST_PROCESSOR_KILL_BEFORE_COMMIT");
}
