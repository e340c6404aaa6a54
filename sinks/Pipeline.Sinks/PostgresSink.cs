// The sink's consume loop: batches trades, candles and indicators from Kafka and hands each batch to the batch writer,
// which writes it with its Kafka positions in one database transaction (exactly once) and holds it through database
// outages. This file owns the Kafka side: the loop, the rebalance callbacks, pausing while a held batch waits.
using Confluent.Kafka;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Pipeline.Plumbing.Configuration;
using Pipeline.Plumbing.Kafka;
using Pipeline.Plumbing.Serialization;
using Pipeline.Plumbing.Topics;
using Pipeline.Schemas.V1;

namespace Pipeline.Sinks;

public sealed class PostgresSink : ISinkWriterHost
{
    private static readonly TimeSpan DrainDeadline = TimeSpan.FromSeconds(10);

    private readonly KafkaClientSettings _kafka;
    private readonly SinkOptions _options;
    private readonly SinkTopics _topics;
    private readonly ILogger _log;
    private readonly SinkConnection _connection;
    private readonly SinkPositions _positions;
    private readonly SinkRowWriter _rows;
    private readonly SinkBatchWriter _writer;
    private readonly TimeSpan _linger;

    // The batch being filled from Kafka; the writer holds the one being written (batch N+1 fills while N is written).
    private SinkBatch _batch = new();
    private SinkPositionException? _fault;
    private CancellationToken _ct;
    private IConsumer<byte[]?, byte[]?>? _consumer;
    private IProducer<byte[], byte[]>? _deadLetters;

    // The live catalog topic each consumed topic stands for (one lookup per topic, not per record).
    private readonly Dictionary<string, string?> _liveTopics = new(StringComparer.Ordinal);

    // For a sink that finishes (a replay version's): the end offset each partition's last end-of-partition event
    // reported, and the ends to reach before RunAsync returns.
    private readonly Dictionary<TopicPartition, long> _endsSeen = new();
    private volatile IReadOnlyDictionary<TopicPartition, long>? _finishAt;

    /// <param name="topics">What it writes; the live sink's topics when null.</param>
    public PostgresSink(
        KafkaClientSettings kafka,
        string connectionString,
        SinkOptions options,
        ILoggerFactory loggers,
        SinkTopics? topics = null
    )
    {
        _kafka = kafka;
        _options = options;
        _topics = topics ?? SinkTopics.Live;
        _log = loggers.CreateLogger<PostgresSink>();
        _linger = TimeSpan.FromMilliseconds(options.BatchLingerMs);
        _connection = new SinkConnection(
            connectionString,
            TimeSpan.FromSeconds(options.WriteTimeoutSeconds),
            SinkRowWriter.StagingTablesSql,
            loggers
        );
        _positions = new SinkPositions(options.ConsumerName);
        _rows = new SinkRowWriter(_positions, _topics.Version.Name);
        _writer = new SinkBatchWriter(
            this,
            _positions,
            TimeSpan.FromMilliseconds(options.RetryInitialDelayMs),
            TimeSpan.FromMilliseconds(options.RetryMaxDelayMs),
            _log
        );
        SinkMetrics.WatchDatabase(() => DatabaseReachable);
    }

    /// <summary>False while the last database operation failed because the database was unreachable.</summary>
    public bool DatabaseReachable { get; private set; } = true;

    /// <summary>Runs until cancelled (then writes what it holds, if it can, and leaves the group), or until a stored
    /// position cannot be trusted (<see cref="SinkPositionException"/>).</summary>
    public Task RunAsync(CancellationToken ct) =>
        Task.Factory.StartNew(() => Run(ct), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();

    /// <summary>Makes <see cref="RunAsync"/> return once every record before <paramref name="ends"/> (per partition; the
    /// producer of these topics has finished, so these are their final ends) is written and its position stored.</summary>
    public void FinishAt(IReadOnlyDictionary<TopicPartition, long> ends) => _finishAt = ends;

    private async Task Run(CancellationToken ct)
    {
        _ct = ct;
        var config = _kafka.Consumer($"{_options.ConsumerName}-{Environment.ProcessId}", _options.Group);
        // End-of-partition events tell a finishing sink that it has read everything (only a version's sink finishes).
        if (!_topics.Version.IsLive)
            config.EnablePartitionEof = true;
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(config)
            .SetPartitionsAssignedHandler((c, partitions) => OnAssigned(c, partitions))
            .SetPartitionsRevokedHandler((_, partitions) => OnRevoked(partitions.Select(p => p.TopicPartition).ToList(), "revoked"))
            .SetPartitionsLostHandler((_, partitions) => OnRevoked(partitions.Select(p => p.TopicPartition).ToList(), "lost"))
            .SetErrorHandler((_, e) => _log.Log(e.IsFatal ? LogLevel.Error : LogLevel.Warning, "Kafka consumer: {Reason}", e.Reason))
            .Build();
        using var lagTracking = Pipeline.Plumbing.Metrics.ConsumerLagMetrics.Track(consumer, _options.Group);
        using var deadLetters = new ProducerBuilder<byte[], byte[]>(
            _kafka.Producer($"{_options.ConsumerName}-deadletter-{Environment.ProcessId}")
        ).Build();
        _consumer = consumer;
        _deadLetters = deadLetters;
        consumer.Subscribe(_topics.Topics);
        _log.LogInformation(
            "Sink {Consumer} consuming {Topics} (batches of {Rows} rows or {Linger} ms)",
            _options.ConsumerName,
            string.Join(", ", _topics.Topics),
            _options.BatchRows,
            _options.BatchLingerMs
        );
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var record = consumer.Consume(NextWait());
                if (_fault is not null)
                    throw _fault;
                if (record is { IsPartitionEOF: false, Message: not null })
                    _batch.Add(record.TopicPartitionOffset, SinkRecordParser.Parse(record, LiveTopicOf(record.Topic)));
                else if (record is { IsPartitionEOF: true })
                    _endsSeen[record.TopicPartition] = record.Offset.Value;
                // A finished write is settled at once: its positions are recorded, a failure is retried now.
                if (_writer.WriteFinished)
                    await _writer.SettleAsync(ct);
                if (BatchDue())
                {
                    await _writer.SettleAsync(ct);
                    if (_fault is not null)
                        throw _fault;
                    if (!_writer.IsIdle)
                        break; // cancelled while holding a failed batch: the drain tries it once more
                    if (_batch.IsEmpty)
                        continue; // dropped by a rebalance or an ownership loss while settling
                    _writer.Start(_batch, ct);
                    _batch = new SinkBatch();
                }
                if (_finishAt is { } ends && Finished(ends))
                {
                    _log.LogInformation("Sink {Consumer} wrote everything up to the ends of its topics; finishing", _options.ConsumerName);
                    break;
                }
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            _log.LogError(e, "Sink failed: {Message}", e.Message);
            throw;
        }
        finally
        {
            if (_fault is null)
            {
                using var deadline = new CancellationTokenSource(DrainDeadline);
                await _writer.DrainAsync(_batch, deadline.Token);
            }
            try
            {
                consumer.Close();
            }
            catch (KafkaException e)
            {
                _log.LogWarning("Leaving the consumer group failed: {Reason}", e.Error.Reason);
            }
            _consumer = null;
            _deadLetters = null;
            await _connection.DisposeAsync();
        }
    }

    /// <summary>Until the filling batch's linger deadline, or a short poll (shorter while a write is in flight, so its
    /// end is settled promptly).</summary>
    private TimeSpan NextWait()
    {
        var wait = _batch.StartedAt is { } started
            ? started + _linger - DateTime.UtcNow
            : TimeSpan.FromMilliseconds(_writer.State is SinkWriteState.Writing ? 10 : 100);
        return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
    }

    /// <summary>Full, or lingered long enough; a finishing sink writes what it holds at once (nothing more is coming).</summary>
    private bool BatchDue() =>
        !_batch.IsEmpty
        && (_batch.Count >= _options.BatchRows || DateTime.UtcNow - _batch.StartedAt >= _linger || _finishAt is not null && _writer.IsIdle);

    private bool Finished(IReadOnlyDictionary<TopicPartition, long> ends)
    {
        if (!_batch.IsEmpty || !_writer.IsIdle)
            return false;
        foreach (var (tp, end) in ends)
            if (end > 0 && (!_endsSeen.TryGetValue(tp, out var seen) || seen < end))
                return false;
        return true;
    }

    private string? LiveTopicOf(string topic)
    {
        if (!_liveTopics.TryGetValue(topic, out var live))
            _liveTopics[topic] = live = _topics.LiveTopicOf(topic)?.Name;
        return live;
    }

    private List<TopicPartitionOffset> OnAssigned(IConsumer<byte[]?, byte[]?> consumer, List<TopicPartition> partitions)
    {
        // Positions are read after the write in flight committed (never before, which would re-read what it wrote).
        _writer.DrainForRebalance();
        var loaded = WithDatabaseRetry(() => LoadPositionsAsync(partitions, _ct), "loading stored positions");
        var starts = _positions.Adopt(partitions, loaded);
        foreach (var start in starts.Where(s => s.Offset != Offset.Beginning))
            CheckStoredPosition(consumer, start);
        _log.LogInformation(
            "Sink assigned {Partitions}",
            string.Join(
                ", ",
                starts.Select(s => $"{s.Topic}[{s.Partition.Value}]@{(s.Offset == Offset.Beginning ? "start" : s.Offset.Value.ToString())}")
            )
        );
        return starts;
    }

    /// <summary>A stored position beyond the partition's end cannot be trusted (the topic was probably recreated): the
    /// sink stops rather than guess. One before its start means records were deleted by retention unwritten.</summary>
    private void CheckStoredPosition(IConsumer<byte[]?, byte[]?> consumer, TopicPartitionOffset stored)
    {
        var (tp, next) = (stored.TopicPartition, stored.Offset.Value);
        var marks = consumer.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(10));
        if (next > marks.High.Value)
        {
            _fault ??= new SinkPositionException(
                $"stored position {next} of {tp.Topic}[{tp.Partition.Value}] (consumer '{_options.ConsumerName}') "
                    + "is beyond the partition's end "
                    + $"{marks.High.Value}: the topic was probably deleted and recreated. The sink stops rather than guess; "
                    + "if the old data is gone "
                    + $"for good, delete the row with: DELETE FROM sink_positions WHERE consumer = '{_options.ConsumerName}' AND "
                    + $"topic = '{tp.Topic}' "
                    + $"AND partition = {tp.Partition.Value}"
            );
            _log.LogCritical("{Message}", _fault.Message);
        }
        else if (next < marks.Low.Value)
        {
            _log.LogError(
                "Stored position {Next} of {Partition} is before the partition's first offset {Low}: records {Next}..{LowMinusOne} "
                    + "were deleted by retention before the sink wrote them",
                next,
                tp,
                marks.Low.Value,
                next,
                marks.Low.Value - 1
            );
        }
    }

    private void OnRevoked(List<TopicPartition> partitions, string how)
    {
        _writer.DrainForRebalance();
        // Their new owner reads them again from the stored positions: keeping them would write them twice.
        _batch.Drop(partitions);
        _writer.Revoke(partitions);
        _positions.Forget(partitions);
        foreach (var tp in partitions)
            _endsSeen.Remove(tp);
        _log.LogInformation(
            "Sink partitions {How}: {Partitions}",
            how,
            string.Join(", ", partitions.Select(p => $"{p.Topic}[{p.Partition.Value}]"))
        );
    }

    private async Task<Dictionary<TopicPartition, long>> LoadPositionsAsync(
        IReadOnlyCollection<TopicPartition> partitions,
        CancellationToken ct
    )
    {
        var conn = await _connection.OpenAsync(ct);
        return await _positions.LoadAsync(conn, partitions, ct);
    }

    /// <summary>For the database work of rebalance callbacks, which cannot be deferred: retried here until it succeeds.</summary>
    private T WithDatabaseRetry<T>(Func<Task<T>> action, string what)
    {
        var attempt = 0;
        while (true)
        {
            try
            {
                var result = action().GetAwaiter().GetResult();
                DatabaseReachable = true;
                return result;
            }
            catch (Exception e) when (IsTransient(e) && !_ct.IsCancellationRequested)
            {
                OnTransientFailure(e);
                var delay = Pipeline.Plumbing.Resilience.Backoff.Delay(
                    ++attempt,
                    TimeSpan.FromMilliseconds(_options.RetryInitialDelayMs),
                    TimeSpan.FromMilliseconds(_options.RetryMaxDelayMs)
                );
                _log.LogWarning(
                    "Database unreachable while {What} (attempt {Attempt}, retrying in {Delay} ms): {Message}",
                    what,
                    attempt,
                    (int)delay.TotalMilliseconds,
                    e.Message
                );
                _ct.WaitHandle.WaitOne(delay);
            }
        }
    }

    /// <summary>One attempt to write a batch: dead letters to Kafka, then rows and positions in one transaction.
    /// Touches no consumer state, so it can run beside the consume loop.</summary>
    async Task ISinkWriterHost.WriteAsync(SinkBatch batch, IReadOnlyDictionary<TopicPartition, long> believed, CancellationToken ct)
    {
        await SendDeadLettersAsync(batch, ct);
        var started = DateTime.UtcNow;
        using var watch = new Timer(
            _ => _log.LogWarning("Batch write running for {Seconds:0} s ({Phase})", (DateTime.UtcNow - started).TotalSeconds, _rows.Phase),
            null,
            TimeSpan.FromSeconds(10),
            TimeSpan.FromSeconds(10)
        );
        _rows.Phase = "connecting";
        var conn = await _connection.OpenAsync(ct);
        await _rows.WriteAsync(conn, batch, believed, ct);
        DatabaseReachable = true;
        SinkMetrics.Written(DateTime.UtcNow - started);
        _log.LogDebug("Batch of {Count} records written in {Ms:0.0} ms", batch.Count, (DateTime.UtcNow - started).TotalMilliseconds);
    }

    /// <summary>Dead letters go to Kafka before the rows commit: at least once (a crash in between repeats them).</summary>
    private async Task SendDeadLettersAsync(SinkBatch batch, CancellationToken ct)
    {
        var producer = _deadLetters ?? throw new InvalidOperationException("the sink is not running");
        var topic = _topics.DeadLetterTopic;
        var pending = new List<(PartitionSlice Slice, Task<DeliveryResult<byte[], byte[]>> Delivery)>();
        foreach (var slice in batch.Slices.Values)
        foreach (var d in slice.DeadLetters.Skip(slice.DeadLettersSent))
        {
            pending.Add(
                (
                    slice,
                    producer.ProduceAsync(
                        topic,
                        new Message<byte[], byte[]>
                        {
                            Key = d.OriginalKey.ToByteArray(),
                            Value = RecordValues.Write(topic, d.ToByteArray()),
                            Headers = RecordValues.HeadersFor(topic, MessageHeaders.For<DeadLetter>()),
                        },
                        ct
                    )
                )
            );
        }
        if (pending.Count == 0)
            return;
        await Task.WhenAll(pending.Select(p => p.Delivery));
        foreach (var slice in pending.Select(p => p.Slice).Distinct())
            slice.DeadLettersSent = slice.DeadLetters.Count;
        _log.LogWarning("Sent {Count} records the sink cannot store to {Topic}", pending.Count, topic);
    }

    bool ISinkWriterHost.IsTransient(Exception failure) => IsTransient(failure);

    private bool IsTransient(Exception failure) => SinkFailures.IsTransient(failure, _connection.IsOpen);

    void ISinkWriterHost.OnTransientFailure(Exception failure) => OnTransientFailure(failure);

    private void OnTransientFailure(Exception failure)
    {
        DatabaseReachable = false;
        SinkMetrics.Retried();
        _connection.Reset();
    }

    void ISinkWriterHost.WaitKeepingMembership(TimeSpan delay, CancellationToken ct)
    {
        var consumer = _consumer!;
        // Polling keeps the group membership (and runs rebalance callbacks) while fetching nothing.
        consumer.Pause(consumer.Assignment);
        var until = DateTime.UtcNow + delay;
        while (!ct.IsCancellationRequested && DateTime.UtcNow < until && _fault is null)
        {
            var left = until - DateTime.UtcNow;
            var record = consumer.Consume(
                left < TimeSpan.Zero ? TimeSpan.Zero
                : left < TimeSpan.FromMilliseconds(200) ? left
                : TimeSpan.FromMilliseconds(200)
            );
            if (record is { Message: not null })
            {
                // From a partition assigned during the wait: read it again later.
                consumer.Pause([record.TopicPartition]);
                consumer.Seek(record.TopicPartitionOffset);
            }
        }
        consumer.Resume(consumer.Assignment);
        if (_fault is not null)
            throw _fault;
    }

    void ISinkWriterHost.Reseek()
    {
        var consumer = _consumer!;
        _batch.Clear(); // consumed after the lost batch: read again from the stored positions
        _endsSeen.Clear();
        var assigned = consumer.Assignment;
        var loaded = WithDatabaseRetry(() => LoadPositionsAsync(assigned, _ct), "re-reading stored positions");
        _positions.Clear();
        foreach (var start in _positions.Adopt(assigned, loaded))
            consumer.Seek(start);
    }

    void ISinkWriterHost.OnCommitted(SinkBatch batch, IReadOnlyList<TopicPartitionOffset> positions, bool commitLag)
    {
        SinkMetrics.Committed(batch);
        _log.LogDebug("Wrote {Count} records up to {Positions}", batch.Count, string.Join(", ", positions));
        if (!commitLag || positions.Count == 0)
            return;
        // Kafka offsets only show lag to operators; the database positions are the truth.
        try
        {
            _consumer?.Commit(positions);
        }
        catch (KafkaException e)
        {
            _log.LogDebug("Lag commit skipped: {Reason}", e.Error.Reason);
        }
    }
}
