// The sink's consume loop: batches trades, candles and indicators from Kafka and writes each batch with its
// Kafka positions in one database transaction (exactly once), retrying through database outages.
using Confluent.Kafka;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Npgsql;
using Pipeline.Plumbing.Kafka;
using Pipeline.Plumbing.Topics;
using Pipeline.Schemas.V1;
using Pipeline.Plumbing.Serialization;

namespace Pipeline.Sinks;

public sealed class PostgresSink
{
    private readonly KafkaClientSettings _kafka;
    private readonly SinkSettings _settings;
    private readonly ILogger _log;
    private readonly NpgsqlDataSource _db;
    private readonly SinkBatchWriter _writer;
    // The batch being filled from Kafka, and the one being written: writing batch N while batch N+1 is consumed
    // keeps both the database and this process busy. Batch N+1 is written only after N committed.
    private SinkBatch _batch = new();
    private SinkBatch? _writing;
    private Task? _write;
    // What this sink believes sink_positions holds for its partitions; the write compares and sets it.
    private readonly Dictionary<TopicPartition, long> _stored = new();
    private NpgsqlConnection? _conn;
    private SinkPositionException? _fault;
    private CancellationToken _ct;
    // The live catalog topic each consumed topic stands for (one lookup per topic, not per record).
    private readonly Dictionary<string, string?> _liveTopics = new(StringComparer.Ordinal);
    // For a sink that finishes (a replay version's): the end offset each partition's last end-of-partition event
    // reported, and the ends to reach before RunAsync returns.
    private readonly Dictionary<TopicPartition, long> _endsSeen = new();
    private volatile IReadOnlyDictionary<TopicPartition, long>? _finishAt;

    public PostgresSink(KafkaClientSettings kafka, string connectionString, SinkSettings settings, ILoggerFactory loggers)
    {
        _kafka = kafka;
        _settings = settings;
        _log = loggers.CreateLogger<PostgresSink>();
        // Temp staging tables live on the physical connection, so the sink keeps its own un-pooled one.
        // Keepalive and timeouts: a silent network (no RST) must surface as an error, not hang the sink forever.
        var cs = new NpgsqlConnectionStringBuilder(connectionString)
        {
            Pooling = false, Timeout = 5, TcpKeepAlive = true, CommandTimeout = (int)settings.WriteTimeout.TotalSeconds,
        };
        _db = new NpgsqlDataSourceBuilder(cs.ConnectionString).UseLoggerFactory(loggers).Build();
        _writer = new SinkBatchWriter(settings.ConsumerName, settings.Version.Name);
        SinkMetrics.WatchDatabase(() => DatabaseReachable);
    }

    /// <summary>False while the last write attempt failed because the database was unreachable.</summary>
    public bool DatabaseReachable { get; private set; } = true;

    /// <summary>Runs until cancelled (then writes what it holds, if it can, and leaves the group), or until a stored
    /// position cannot be trusted (<see cref="SinkPositionException"/>).</summary>
    public Task RunAsync(CancellationToken ct) =>
        Task.Factory.StartNew(() => Run(ct), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();

    private async Task Run(CancellationToken ct)
    {
        _ct = ct;
        var config = _kafka.Consumer($"{_settings.ConsumerName}-{Environment.ProcessId}", _settings.GroupId ?? _settings.ConsumerName);
        // End-of-partition events tell a finishing sink that it has read everything (only a version's sink finishes).
        if (!_settings.Version.IsLive) config.EnablePartitionEof = true;
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(config)
            .SetPartitionsAssignedHandler((c, partitions) => OnAssigned(c, partitions))
            .SetPartitionsRevokedHandler((c, partitions) => OnRevoked(c, partitions.Select(p => p.TopicPartition), "revoked"))
            .SetPartitionsLostHandler((c, partitions) => OnRevoked(c, partitions.Select(p => p.TopicPartition), "lost"))
            .SetErrorHandler((_, e) => _log.Log(e.IsFatal ? LogLevel.Error : LogLevel.Warning, "Kafka consumer: {Reason}", e.Reason))
            .Build();
        using var lagTracking = Pipeline.Plumbing.Metrics.ConsumerLagMetrics.Track(consumer, _settings.GroupId ?? _settings.ConsumerName);
        using var deadLetters = new ProducerBuilder<byte[], byte[]>(_kafka.Producer($"{_settings.ConsumerName}-deadletter-{Environment.ProcessId}")).Build();
        consumer.Subscribe(_settings.Topics);
        _log.LogInformation("Sink {Consumer} consuming {Topics} (batches of {Rows} rows or {Linger} ms)",
            _settings.ConsumerName, string.Join(", ", _settings.Topics), _settings.BatchRows, _settings.BatchLinger.TotalMilliseconds);
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var wait = _batch.StartedAt is { } started
                    ? started + _settings.BatchLinger - DateTime.UtcNow
                    : TimeSpan.FromMilliseconds(_write is null ? 100 : 10);
                var record = consumer.Consume(wait < TimeSpan.Zero ? TimeSpan.Zero : wait);
                if (_fault is not null) throw _fault;
                if (record is { IsPartitionEOF: false, Message: not null })
                    _batch.Add(record.TopicPartitionOffset, SinkRecordParser.Parse(record, LiveTopicOf(record.Topic)));
                else if (record is { IsPartitionEOF: true }) _endsSeen[record.TopicPartition] = record.Offset.Value;
                // A finished write is settled at once: its positions are recorded, a failure is retried now.
                if (_write is { IsCompleted: true }) await SettleAsync(consumer, deadLetters, ct);
                // A finishing sink writes what it holds at once: nothing more is coming.
                if (!_batch.IsEmpty && (_batch.Count >= _settings.BatchRows || DateTime.UtcNow - _batch.StartedAt >= _settings.BatchLinger
                                        || _finishAt is not null && _write is null))
                {
                    await SettleAsync(consumer, deadLetters, ct);
                    if (_fault is not null) throw _fault;
                    if (_batch.IsEmpty) continue; // dropped by a rebalance or an ownership loss while settling
                    StartWrite(deadLetters, ct);
                }
                if (_finishAt is { } ends && Finished(ends))
                {
                    _log.LogInformation("Sink {Consumer} wrote everything up to the ends of its topics; finishing", _settings.ConsumerName);
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
            await DrainAsync(consumer, deadLetters);
            if (_conn is not null) await _conn.DisposeAsync();
            await _db.DisposeAsync();
        }
    }

    /// <summary>Makes <see cref="RunAsync"/> return once every record before <paramref name="ends"/> (per partition; the
    /// producer of these topics has finished, so these are their final ends) is written and its position stored.</summary>
    public void FinishAt(IReadOnlyDictionary<TopicPartition, long> ends) => _finishAt = ends;

    private bool Finished(IReadOnlyDictionary<TopicPartition, long> ends)
    {
        if (!_batch.IsEmpty || _write is not null || _writing is not null) return false;
        foreach (var (tp, end) in ends)
            if (end > 0 && (!_endsSeen.TryGetValue(tp, out var seen) || seen < end)) return false;
        return true;
    }

    private string? LiveTopicOf(string topic)
    {
        if (!_liveTopics.TryGetValue(topic, out var live)) _liveTopics[topic] = live = _settings.LiveTopicOf(topic)?.Name;
        return live;
    }

    /// <summary>On shutdown, finishes the write in flight and writes what is held once more if the database answers
    /// within a few seconds; otherwise drops it (its positions were not stored, so the next start reads it again).</summary>
    private async Task DrainAsync(IConsumer<byte[]?, byte[]?> consumer, IProducer<byte[], byte[]> deadLetters)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            if (_fault is null)
            {
                if (_write is not null) { await _write.WaitAsync(timeout.Token); _write = null; Committed(consumer, _writing!, commitLag: true); _writing = null; }
                if (_writing is { IsEmpty: false }) { await WriteAttemptAsync(_writing, deadLetters, new(_stored), timeout.Token); Committed(consumer, _writing, commitLag: true); _writing = null; }
                if (!_batch.IsEmpty && _writing is null) { await WriteAttemptAsync(_batch, deadLetters, new(_stored), timeout.Token); Committed(consumer, _batch, commitLag: true); }
            }
        }
        catch (Exception e)
        {
            _log.LogWarning("Sink stopped with {Count} records unwritten; they are read again on the next start ({Message})",
                (_writing?.Count ?? 0) + _batch.Count, e.Message);
        }
        try { consumer.Close(); }
        catch (KafkaException e) { _log.LogWarning("Leaving the consumer group failed: {Reason}", e.Error.Reason); }
    }

    private void StartWrite(IProducer<byte[], byte[]> deadLetters, CancellationToken ct)
    {
        _writing = _batch;
        _batch = new SinkBatch();
        var batch = _writing;
        var stored = new Dictionary<TopicPartition, long>(_stored); // the write runs on another thread
        _write = Task.Run(() => WriteAttemptAsync(batch, deadLetters, stored, ct), CancellationToken.None);
    }

    /// <summary>Waits for the write in flight; if it failed, retries it here (holding everything else) until it is
    /// written, or found written by someone else, or dropped by a rebalance.</summary>
    private async Task SettleAsync(IConsumer<byte[]?, byte[]?> consumer, IProducer<byte[], byte[]> deadLetters, CancellationToken ct)
    {
        if (_writing is null) return;
        Exception? failure = null;
        if (_write is not null)
        {
            try { await _write; }
            catch (Exception e) { failure = e; }
            _write = null;
            if (failure is null)
            {
                Committed(consumer, _writing, commitLag: true);
                _writing = null;
                return;
            }
        }
        await FlushAsync(consumer, deadLetters, _writing, failure, ct);
        _writing = null;
    }

    /// <summary>Inside a rebalance callback: lets the write in flight finish first, so positions are read after it
    /// committed (never before, which would re-read what it wrote). A failed write stays held for retry.</summary>
    private void SettleInCallback(IConsumer<byte[]?, byte[]?> consumer)
    {
        if (_write is null) return;
        try
        {
            _write.GetAwaiter().GetResult();
            _write = null;
            Committed(consumer, _writing!, commitLag: false);
            _writing = null;
        }
        catch (Exception e)
        {
            _write = null; // _writing stays: SettleAsync retries what the rebalance leaves of it
            _log.LogDebug("Write in flight failed during a rebalance ({Message}); it is retried", e.Message);
        }
    }

    private List<TopicPartitionOffset> OnAssigned(IConsumer<byte[]?, byte[]?> consumer, List<TopicPartition> partitions)
    {
        SettleInCallback(consumer);
        var positions = WithDatabaseRetry(() => LoadPositionsAsync(partitions, _ct), "loading stored positions");
        var starts = new List<TopicPartitionOffset>();
        foreach (var tp in partitions)
        {
            if (positions.TryGetValue(tp, out var next))
            {
                _stored[tp] = next;
                var marks = consumer.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(10));
                if (next > marks.High.Value)
                {
                    _fault ??= new SinkPositionException(
                        $"stored position {next} of {tp.Topic}[{tp.Partition.Value}] (consumer '{_settings.ConsumerName}') is beyond the partition's end {marks.High.Value}: " +
                        "the topic was probably deleted and recreated. The sink stops rather than guess; if the old data is gone for good, " +
                        $"delete the row with: DELETE FROM sink_positions WHERE consumer = '{_settings.ConsumerName}' AND topic = '{tp.Topic}' AND partition = {tp.Partition.Value}");
                    _log.LogCritical("{Message}", _fault.Message);
                }
                else if (next < marks.Low.Value)
                {
                    _log.LogError("Stored position {Next} of {Partition} is before the partition's first offset {Low}: records {Next}..{LowMinusOne} were deleted by retention before the sink wrote them",
                        next, tp, marks.Low.Value, next, marks.Low.Value - 1);
                }
                starts.Add(new TopicPartitionOffset(tp, next));
            }
            else
            {
                _stored.Remove(tp);
                starts.Add(new TopicPartitionOffset(tp, Offset.Beginning));
            }
        }
        _log.LogInformation("Sink assigned {Partitions}", string.Join(", ", starts.Select(s => $"{s.Topic}[{s.Partition.Value}]@{(s.Offset == Offset.Beginning ? "start" : s.Offset.Value.ToString())}")));
        return starts;
    }

    private void OnRevoked(IConsumer<byte[]?, byte[]?> consumer, IEnumerable<TopicPartition> partitions, string how)
    {
        SettleInCallback(consumer);
        var list = partitions.ToList();
        _batch.Drop(list);
        _writing?.Drop(list);
        foreach (var tp in list) { _stored.Remove(tp); _endsSeen.Remove(tp); }
        _log.LogInformation("Sink partitions {How}: {Partitions}", how, string.Join(", ", list.Select(p => $"{p.Topic}[{p.Partition.Value}]")));
    }

    private async Task<Dictionary<TopicPartition, long>> LoadPositionsAsync(IReadOnlyCollection<TopicPartition> partitions, CancellationToken ct)
    {
        var conn = await ConnectionAsync(ct);
        return await _writer.LoadPositionsAsync(conn, partitions, ct);
    }

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
                DatabaseReachable = false;
                SinkMetrics.Retried();
                ResetConnection();
                var delay = Backoff(++attempt);
                _log.LogWarning("Database unreachable while {What} (attempt {Attempt}, retrying in {Delay} ms): {Message}", what, attempt, (int)delay.TotalMilliseconds, e.Message);
                _ct.WaitHandle.WaitOne(delay);
            }
        }
    }

    private async Task FlushAsync(IConsumer<byte[]?, byte[]?> consumer, IProducer<byte[], byte[]> deadLetters, SinkBatch batch, Exception? failure, CancellationToken ct)
    {
        var attempt = 0;
        while (true)
        {
            try
            {
                if (failure is not null) { var f = failure; failure = null; throw f; }
                if (batch.IsEmpty) return; // every partition of the batch was revoked meanwhile
                await WriteAttemptAsync(batch, deadLetters, new(_stored), ct);
                Committed(consumer, batch, commitLag: true);
                if (attempt > 0) _log.LogInformation("Database reachable again; the held batch was written after {Attempts} attempts", attempt + 1);
                return;
            }
            catch (SinkOwnershipLostException e)
            {
                _log.LogWarning("Batch not written: {Message}. Re-reading stored positions", e.Message);
                batch.Clear();
                _batch.Clear(); // consumed after the lost batch: re-read from the stored positions
                Reseek(consumer);
                return;
            }
            catch (Exception e) when (IsTransient(e) && !ct.IsCancellationRequested)
            {
                DatabaseReachable = false;
                SinkMetrics.Retried();
                ResetConnection();
                var delay = Backoff(++attempt);
                _log.LogWarning("Write of {Count} records failed (attempt {Attempt}; holding the batch, retrying in {Delay} ms): {Message}",
                    batch.Count, attempt, (int)delay.TotalMilliseconds, e.Message);
                WaitKeepingMembership(consumer, delay, ct);
                if (_fault is not null) throw _fault;
            }
        }
    }

    /// <summary>One attempt to write a batch: dead letters to Kafka, then rows and positions in one transaction.
    /// Touches no consumer state, so it can run beside the consume loop.</summary>
    private async Task WriteAttemptAsync(SinkBatch batch, IProducer<byte[], byte[]> deadLetters, Dictionary<TopicPartition, long> stored, CancellationToken ct)
    {
        await SendDeadLettersAsync(batch, deadLetters, ct);
        var started = DateTime.UtcNow;
        using var watch = new Timer(_ => _log.LogWarning("Batch write running for {Seconds:0} s ({Phase})", (DateTime.UtcNow - started).TotalSeconds, _writer.Phase),
            null, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10));
        _writer.Phase = "connecting";
        var conn = await ConnectionAsync(ct);
        await _writer.WriteAsync(conn, batch, stored, ct);
        DatabaseReachable = true;
        SinkMetrics.Written(DateTime.UtcNow - started);
        _log.LogDebug("Batch of {Count} records written in {Ms:0.0} ms", batch.Count, (DateTime.UtcNow - started).TotalMilliseconds);
    }

    /// <summary>After a commit: remember the stored positions and show lag to operators.</summary>
    private void Committed(IConsumer<byte[]?, byte[]?> consumer, SinkBatch batch, bool commitLag)
    {
        var done = batch.Slices.Select(s => new TopicPartitionOffset(s.Key, s.Value.NextOffset)).ToList();
        foreach (var p in done) _stored[p.TopicPartition] = p.Offset.Value;
        SinkMetrics.Committed(batch);
        _log.LogDebug("Wrote {Count} records up to {Positions}", batch.Count, string.Join(", ", done));
        batch.Clear();
        if (!commitLag || done.Count == 0) return;
        // Kafka offsets only show lag to operators; the database positions are the truth.
        try { consumer.Commit(done); }
        catch (KafkaException e) { _log.LogDebug("Lag commit skipped: {Reason}", e.Error.Reason); }
    }

    /// <summary>Dead letters go to Kafka before the rows commit: at least once (a crash in between repeats them).</summary>
    private async Task SendDeadLettersAsync(SinkBatch batch, IProducer<byte[], byte[]> producer, CancellationToken ct)
    {
        var pending = new List<(PartitionSlice Slice, Task<DeliveryResult<byte[], byte[]>> Delivery)>();
        foreach (var slice in batch.Slices.Values)
        foreach (var d in slice.DeadLetters.Skip(slice.DeadLettersSent))
        {
            pending.Add((slice, producer.ProduceAsync(_settings.DeadLetterTopic,
                new Message<byte[], byte[]>
                {
                    Key = d.OriginalKey.ToByteArray(),
                    Value = RecordValues.Write(_settings.DeadLetterTopic, d.ToByteArray()),
                    Headers = RecordValues.HeadersFor(_settings.DeadLetterTopic, MessageHeaders.For<DeadLetter>()),
                }, ct)));
        }
        if (pending.Count == 0) return;
        await Task.WhenAll(pending.Select(p => p.Delivery));
        foreach (var slice in pending.Select(p => p.Slice).Distinct()) slice.DeadLettersSent = slice.DeadLetters.Count;
        _log.LogWarning("Sent {Count} records the sink cannot store to {Topic}", pending.Count, _settings.DeadLetterTopic);
    }

    private void WaitKeepingMembership(IConsumer<byte[]?, byte[]?> consumer, TimeSpan delay, CancellationToken ct)
    {
        // Polling keeps the group membership (and runs rebalance callbacks) while fetching nothing.
        consumer.Pause(consumer.Assignment);
        var until = DateTime.UtcNow + delay;
        while (!ct.IsCancellationRequested && DateTime.UtcNow < until && _fault is null)
        {
            var left = until - DateTime.UtcNow;
            var record = consumer.Consume(left < TimeSpan.Zero ? TimeSpan.Zero : left < TimeSpan.FromMilliseconds(200) ? left : TimeSpan.FromMilliseconds(200));
            if (record is { Message: not null })
            {
                // From a partition assigned during the wait: read it again later.
                consumer.Pause([record.TopicPartition]);
                consumer.Seek(record.TopicPartitionOffset);
            }
        }
        consumer.Resume(consumer.Assignment);
    }

    private void Reseek(IConsumer<byte[]?, byte[]?> consumer)
    {
        var assigned = consumer.Assignment;
        var positions = WithDatabaseRetry(() => LoadPositionsAsync(assigned, _ct), "re-reading stored positions");
        _stored.Clear();
        _endsSeen.Clear();
        foreach (var tp in assigned)
        {
            if (positions.TryGetValue(tp, out var next)) { _stored[tp] = next; consumer.Seek(new TopicPartitionOffset(tp, next)); }
            else consumer.Seek(new TopicPartitionOffset(tp, Offset.Beginning));
        }
    }

    private async Task<NpgsqlConnection> ConnectionAsync(CancellationToken ct)
    {
        if (_conn is { State: System.Data.ConnectionState.Open }) return _conn;
        ResetConnection();
        var conn = await _db.OpenConnectionAsync(ct);
        await using (var cmd = new NpgsqlCommand(SinkBatchWriter.StagingTablesSql, conn)) await cmd.ExecuteNonQueryAsync(ct);
        return _conn = conn;
    }

    private void ResetConnection()
    {
        try { _conn?.Dispose(); } catch (Exception) { /* a broken connection may throw on close; it is gone either way */ }
        _conn = null;
    }

    // Equal jitter: many sinks restarting after an outage do not hammer the database in step.
    private TimeSpan Backoff(int attempt) =>
        Pipeline.Plumbing.Resilience.Backoff.Delay(attempt, _settings.RetryInitialDelay, _settings.RetryMaxDelay);

    /// <summary>Transient failures by type and SQL state (class 08 connection exception, 57P operator intervention such
    /// as a shutdown, and what Npgsql marks transient), never by the text of a message.</summary>
    private bool IsTransient(Exception e) => e switch
    {
        PostgresException pg => pg.IsTransient || pg.SqlState.StartsWith("08", StringComparison.Ordinal) || pg.SqlState.StartsWith("57P", StringComparison.Ordinal),
        NpgsqlException => true, // network and protocol failures: the connection is gone, the transaction did not commit
        System.Net.Sockets.SocketException or IOException or TimeoutException => true,
        ProduceException<byte[], byte[]> => true,
        KafkaException => true,
        // Npgsql refuses work on a connection that broke under it: judged by the connection's state.
        InvalidOperationException when _conn is not { State: System.Data.ConnectionState.Open } => true,
        // Npgsql can surface a connection broken mid-operation as a disposed internal object; the connection is replaced.
        ObjectDisposedException => true,
        _ => false,
    };
}
