// One run of a replay plan: assign every input partition at its committed offset (else the plan's start), restore the
// version's changelogs, process until every partition reached the plan's end, then close every instrument through the
// range's end and mark the plan complete, all in transactions with the input offsets. The processor's clock is the
// records' own timestamps, and open-candle updates are off, so nothing written depends on when it ran.
using System.Diagnostics;
using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Pipeline.Plumbing.Configuration;
using Pipeline.Plumbing.Errors;
using Pipeline.Plumbing.Kafka;
using Pipeline.Plumbing.Serialization;
using Pipeline.Processors.Hosting;
using Pipeline.Schemas;

namespace Pipeline.Processors.Replay;

internal sealed class ReplayRun : IDisposable
{
    private static readonly TimeSpan TxTimeout = TimeSpan.FromSeconds(30);
    private readonly ReplayJob _job;
    private readonly ReplayPlan _plan;
    private readonly KafkaClientSettings _kafka;
    private readonly ILogger _log;
    private readonly MarketDataProcessor _processor;
    private readonly ProcessingOptions _options;
    private readonly string _groupId;
    private readonly string _transactionalId;
    private readonly byte[][]? _instrumentFilter;
    private readonly List<OutputRecord> _outputs = new();
    private readonly Dictionary<int, long> _offsets = new();
    private readonly IProducer<byte[]?, byte[]?> _producer;
    private readonly IConsumer<byte[]?, byte[]?> _consumer;
    private readonly long[] _position;
    private readonly bool[] _done;
    private bool _inTransaction;
    private long _outputCount;

    public ReplayRun(ReplayJob job, KafkaClientSettings kafka, IReadOnlyCollection<string> configured, ILoggerFactory loggers, ILogger log)
    {
        _job = job;
        _plan = job.Plan;
        _kafka = kafka;
        _log = log;
        _options = job.Processing;
        _groupId = _options.GroupId;
        _transactionalId = $"{_groupId}-{_options.InstanceId}";
        var intervals = _plan.Intervals.Count == 0 ? null : _plan.Intervals.Select(i => CandleInterval.Find(i)!.Index).ToHashSet();
        var topology = ProcessorTopology.Replay(job.Topics, _plan.Input, _plan.Revalidate, _plan.FromUs, _plan.ToUs, intervals);
        // The dead letters' processor name is "replay", not the version: two replays of one range write identical records.
        _processor = new MarketDataProcessor(_options, configured, loggers.CreateLogger<MarketDataProcessor>(), "replay", topology);
        _instrumentFilter = _plan.Instruments.Count == 0 ? null : _plan.Instruments.Select(Encoding.UTF8.GetBytes).ToArray();
        _producer = new ProducerBuilder<byte[]?, byte[]?>(kafka.Producer(_transactionalId, _transactionalId)).Build();
        var config = kafka.Consumer(_transactionalId, _groupId);
        config.EnablePartitionEof = true;
        _consumer = new ConsumerBuilder<byte[]?, byte[]?>(config).Build();
        _position = _plan.Start.ToArray();
        _done = new bool[_plan.Start.Count];
    }

    public ReplayResult Execute(IProgress<ReplayProgress>? progress, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        // Fences an earlier run of this version (killed or still running) and aborts its open transaction.
        _producer.InitTransactions(TxTimeout);
        if (ReplayJob.ReadPlan(_kafka, _job.Topics.Version) is { Complete: true })
            return new ReplayResult(true, _plan.Total, 0, clock.Elapsed, _job.Resumed);
        var partitions = Enumerable.Range(0, _plan.Start.Count).ToList();
        var tps = partitions.Select(p => new TopicPartition(_plan.Input, p)).ToList();
        var resumed = false;
        foreach (var c in _consumer.Committed(tps, TxTimeout))
        {
            var p = c.Partition.Value;
            if (c.Offset.IsSpecial)
                continue;
            _position[p] = Math.Max(_plan.Start[p], c.Offset.Value);
            resumed = true;
        }
        if (resumed)
            ChangelogRestorer.Restore(_kafka, _groupId, partitions, _processor, _log, ct);
        var startRead = Read();
        _log.LogInformation(
            "Replay {Version}: {Input} [{From}, {To}), {Total} records planned, {Done} read before{Resumed}",
            _plan.Version,
            _plan.Input,
            ReplayJob.Iso(_plan.FromUs),
            ReplayJob.Iso(_plan.ToUs),
            _plan.Total,
            startRead,
            resumed ? " (resumed)" : ""
        );
        var assign = new List<TopicPartitionOffset>();
        foreach (var p in partitions)
        {
            if (_position[p] >= _plan.End[p])
                _done[p] = true;
            else
                assign.Add(new TopicPartitionOffset(tps[p], new Offset(_position[p])));
        }
        _consumer.Assign(assign);

        var sinceCommit = Stopwatch.StartNew();
        var sinceProgress = Stopwatch.StartNew();
        var commitEvery = TimeSpan.FromMilliseconds(_options.CommitIntervalMs);
        var uncommitted = 0;
        while (!_done.All(d => d))
        {
            if (ct.IsCancellationRequested)
            {
                Commit(complete: false);
                _consumer.Close();
                return new ReplayResult(false, Read(), _outputCount, clock.Elapsed, resumed);
            }
            ConsumeResult<byte[]?, byte[]?>? cr;
            try
            {
                cr = _consumer.Consume(TimeSpan.FromMilliseconds(100));
            }
            catch (ConsumeException e) when (!e.Error.IsFatal)
            {
                _log.LogWarning("Consume failed: {Reason}", e.Error.Reason);
                continue;
            }
            if (cr is not null)
                uncommitted += Handle(cr);
            if (sinceCommit.Elapsed >= commitEvery || uncommitted >= _options.CommitMaxRecords)
            {
                Commit(complete: false);
                uncommitted = 0;
                sinceCommit.Restart();
            }
            if (progress is not null && sinceProgress.ElapsedMilliseconds >= 250)
            {
                sinceProgress.Restart();
                progress.Report(Progress(startRead, clock.Elapsed));
            }
        }
        // Every partition reached the plan's end: every instrument closes through the range's end, in key order.
        var instruments =
            _plan.Instruments.Count > 0 ? _plan.Instruments : _processor.Instruments.Keys.Order(StringComparer.Ordinal).ToList();
        BeginIfNeeded();
        foreach (var key in instruments)
            _processor.CloseThrough(key, _plan.ToUs, _outputs);
        for (var p = 0; p < _plan.End.Count; p++)
            _offsets[p] = Math.Max(_position[p], _plan.End[p]);
        Commit(complete: true);
        _consumer.Close();
        progress?.Report(Progress(startRead, clock.Elapsed));
        _log.LogInformation(
            "Replay {Version} complete: {Records} records read, {Outputs} records written in {Seconds:F1} s",
            _plan.Version,
            Read(),
            _outputCount,
            clock.Elapsed.TotalSeconds
        );
        return new ReplayResult(true, Read(), _outputCount, clock.Elapsed, resumed);
    }

    /// <summary>Processes one consumed record (or end-of-partition event); returns 1 when it counts toward a commit.</summary>
    private int Handle(ConsumeResult<byte[]?, byte[]?> cr)
    {
        var p = cr.Partition.Value;
        if (_done[p])
            return 0;
        if (cr.IsPartitionEOF || cr.Offset.Value >= _plan.End[p])
        {
            // At or past the plan's end (records written after planning are not part of it): this partition is done.
            // An end-of-partition event before it (never expected: the end was stable at plan time) changes nothing.
            if (cr.Offset.Value >= _plan.End[p])
            {
                _done[p] = true;
                _position[p] = _plan.End[p];
                _offsets[p] = _plan.End[p];
                _consumer.Pause([cr.TopicPartition]);
            }
            return 0;
        }
        _position[p] = cr.Offset.Value + 1;
        _offsets[p] = _position[p];
        if (_position[p] >= _plan.End[p])
        {
            _done[p] = true;
            _consumer.Pause([cr.TopicPartition]);
        }
        if (_instrumentFilter is not null && !Chosen(cr.Message.Key))
            return 1;
        BeginIfNeeded();
        var record = ProcessorRecord.From(cr);
        // The processor's clock is the record's own timestamp (dead letters' time): never the wall clock.
        _processor.Process(record, cr.Message.Timestamp.UnixTimestampMs * UnixMicros.PerMillisecond, _outputs);
        Produce();
        return 1;
    }

    private bool Chosen(byte[]? key)
    {
        if (key is null)
            return false;
        foreach (var k in _instrumentFilter!)
            if (key.AsSpan().SequenceEqual(k))
                return true;
        return false;
    }

    private void BeginIfNeeded()
    {
        if (_inTransaction)
            return;
        _producer.BeginTransaction();
        _inTransaction = true;
    }

    private void Produce()
    {
        foreach (var o in _outputs)
            o.ProduceTo(_producer);
        _outputCount += _outputs.Count;
        _outputs.Clear();
    }

    /// <summary>Commits outputs, changelogs and input offsets in one transaction (and the completion mark at the end).
    /// A replay has one instance: any failure here ends the run, and the next run resumes from the last commit.</summary>
    private void Commit(bool complete)
    {
        _processor.Flush(0, _outputs); // open-candle updates are off: the time argument is not used
        if (_outputs.Count > 0 || complete)
            BeginIfNeeded();
        Produce();
        if (!_inTransaction)
            return;
        if (complete)
            _producer.Produce(
                _job.Topics.Plan.Name,
                new Message<byte[]?, byte[]?> { Key = ReplayJob.CompleteRecordKey, Value = ReplayJob.CompleteRecordValue(Read()) }
            );
        try
        {
            if (_offsets.Count > 0)
                _producer.SendOffsetsToTransaction(
                    _offsets.Select(o => new TopicPartitionOffset(_plan.Input, o.Key, o.Value)),
                    _consumer.ConsumerGroupMetadata,
                    TxTimeout
                );
            _producer.CommitTransaction(TxTimeout);
        }
        catch (KafkaException e)
        {
            if (
                !e.Error.IsFatal
                && e.Error.Code is not (ErrorCode.Local_Fenced or ErrorCode.ProducerFenced or ErrorCode.InvalidProducerEpoch)
            )
            {
                try
                {
                    _producer.AbortTransaction(TxTimeout);
                }
                catch (KafkaException)
                { /* the run ends below either way */
                }
            }
            throw new DependencyUnavailableException(
                $"replay {_plan.Version}: the transaction failed ({e.Error.Reason}); run the same command again "
                    + "to resume from the last commit (another run of this version fences this one)",
                e
            );
        }
        _inTransaction = false;
        _offsets.Clear();
        if (!complete && _killAfterCommits.Due())
            TestKillHook.Kill($"the replay after {_killAfterCommits.After} committed transactions");
    }

    /// <summary>Crash tests only (env PIPELINE_TEST_REPLAY_KILL_AFTER_COMMITS=N): the process kills itself (SIGKILL) right
    /// after its Nth committed transaction that did not complete the replay, so a test crashes a run at a named point
    /// instead of racing a fast replay with an outside kill -9.</summary>
    private readonly TestKillHook _killAfterCommits = new("PIPELINE_TEST_REPLAY_KILL_AFTER_COMMITS");

    private long Read() =>
        _position.Select((pos, p) => Math.Clamp(pos - _plan.Start[p], 0, Math.Max(0, _plan.End[p] - _plan.Start[p]))).Sum();

    private ReplayProgress Progress(long startRead, TimeSpan elapsed)
    {
        var read = Read();
        var rate = elapsed.TotalSeconds > 0 ? (read - startRead) / elapsed.TotalSeconds : 0;
        return new ReplayProgress(read, _plan.Total, _outputCount, elapsed, rate);
    }

    public void Dispose()
    {
        _consumer.Dispose();
        _producer.Dispose();
    }
}
