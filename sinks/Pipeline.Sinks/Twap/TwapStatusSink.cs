// The twap.statuses consume loop: batches status rows and object-version marks and writes each batch with its Kafka
// positions in one database transaction (exactly once), holding and retrying the batch through database outages.
using Confluent.Kafka;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Npgsql;
using Pipeline.Plumbing.Kafka;
using Pipeline.Plumbing.Metrics;
using Pipeline.Plumbing.Serialization;
using Pipeline.Plumbing.Topics;
using Pipeline.Schemas;
using Pipeline.Schemas.V1;

namespace Pipeline.Sinks.Twap;

public sealed class TwapStatusSink
{
    /// <summary>Consumer group and sink_positions name; separate from the market-data sink's so each moves on its own.</summary>
    public const string DefaultConsumerName = "pipeline-twap-sink";

    private readonly KafkaClientSettings _kafka;
    private readonly SinkConnection _connection;
    private readonly ILogger _log;
    private readonly TwapStatusWriter _writer;
    private readonly string _consumerName;
    private readonly TwapStatusBatch _batch = new();
    private readonly Dictionary<TopicPartition, long> _stored = new();
    private CancellationToken _ct;

    public TwapStatusSink(
        KafkaClientSettings kafka,
        string connectionString,
        ILoggerFactory loggers,
        string consumerName = DefaultConsumerName
    )
    {
        _kafka = kafka;
        _consumerName = consumerName;
        _log = loggers.CreateLogger<TwapStatusSink>();
        _connection = new SinkConnection(connectionString, TimeSpan.FromSeconds(60), TwapStatusWriter.StagingTableSql, loggers);
        _writer = new TwapStatusWriter(consumerName);
    }

    public int BatchRows { get; init; } = 20_000;
    public TimeSpan BatchLinger { get; init; } = TimeSpan.FromMilliseconds(200);

    public Task RunAsync(CancellationToken ct) =>
        Task.Factory.StartNew(() => Run(ct), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();

    private async Task Run(CancellationToken ct)
    {
        _ct = ct;
        var config = _kafka.Consumer($"{_consumerName}-{Environment.ProcessId}", _consumerName);
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(config)
            .SetPartitionsAssignedHandler((c, partitions) => OnAssigned(c, partitions))
            .SetPartitionsRevokedHandler((_, partitions) => OnRevoked(partitions.Select(p => p.TopicPartition).ToList()))
            .SetPartitionsLostHandler((_, partitions) => OnRevoked(partitions.Select(p => p.TopicPartition).ToList()))
            .SetErrorHandler((_, e) => _log.Log(e.IsFatal ? LogLevel.Error : LogLevel.Warning, "Kafka consumer: {Reason}", e.Reason))
            .Build();
        using var deadLetters = new ProducerBuilder<byte[], byte[]>(
            _kafka.Producer($"{_consumerName}-deadletter-{Environment.ProcessId}")
        ).Build();
        consumer.Subscribe(TopicCatalog.TwapStatuses.Name);
        _log.LogInformation("TWAP sink {Consumer} consuming {Topic}", _consumerName, TopicCatalog.TwapStatuses.Name);
        var pendingDeadLetters = new List<(byte[]? Key, DeadLetter Letter)>();
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var wait = _batch.StartedAt is { } started ? started + BatchLinger - DateTime.UtcNow : TimeSpan.FromMilliseconds(100);
                var record = consumer.Consume(wait < TimeSpan.Zero ? TimeSpan.Zero : wait);
                if (record is { IsPartitionEOF: false, Message: not null })
                    Take(record, pendingDeadLetters);
                if (!_batch.IsEmpty && (_batch.Count >= BatchRows || DateTime.UtcNow - _batch.StartedAt >= BatchLinger))
                    await FlushAsync(consumer, deadLetters, pendingDeadLetters, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
        finally
        {
            // Whatever is unwritten is read again on the next start: its positions were not stored.
            try
            {
                consumer.Close();
            }
            catch (KafkaException e)
            {
                _log.LogWarning("Leaving the consumer group failed: {Reason}", e.Error.Reason);
            }
            await _connection.DisposeAsync();
        }
    }

    private void Take(ConsumeResult<byte[]?, byte[]?> record, List<(byte[]? Key, DeadLetter Letter)> deadLetters)
    {
        string? why = null;
        try
        {
            var value = TwapRecord.Parser.ParseFrom(record.Message.Value ?? []);
            switch (value.KindCase)
            {
                case TwapRecord.KindOneofCase.Status when Check(value.Status) is { } problem:
                    why = problem;
                    break;
                case TwapRecord.KindOneofCase.Status:
                    _batch.Add(record.TopicPartitionOffset, value.Status);
                    return;
                case TwapRecord.KindOneofCase.ObjectVersion when value.ObjectVersion.ObjectKey.Length > 0:
                    _batch.Add(record.TopicPartitionOffset, value.ObjectVersion);
                    return;
                default:
                    why = "the record is neither a TWAP status nor an object-version mark";
                    break;
            }
        }
        catch (InvalidProtocolBufferException e)
        {
            why = $"the value is not a TwapRecord: {e.Message}";
        }
        _batch.Advance(record.TopicPartitionOffset);
        deadLetters.Add(
            (
                record.Message.Key,
                DeadLetterRecord.Create(
                    record.Topic,
                    record.Partition.Value,
                    record.Offset.Value,
                    record.Message.Key,
                    record.Message.Value,
                    DeadLetterReasons.InvalidTwapStatus,
                    why,
                    "twap-sink",
                    UnixMicros.Now()
                )
            )
        );
    }

    private static string? Check(TwapStatus s)
    {
        if (s.Wallet.Length != 42 || !s.Wallet.StartsWith("0x", StringComparison.Ordinal))
            return $"wallet '{s.Wallet}' is not an address";
        if (s.Size is null || s.ExecutedSize is null || s.ExecutedNotional is null)
            return "size, executed size and executed notional are required";
        if (s.Side == TwapSide.Unspecified)
            return "the side is unspecified";
        if (s.TimeUs <= 0)
            return "the time is missing";
        if (s.SourceObject.Length == 0)
            return "the source object is missing";
        try
        {
            _ = s.Size.ToDecimal() + s.ExecutedSize.ToDecimal() + s.ExecutedNotional.ToDecimal();
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            return e.Message;
        }
        return null;
    }

    private async Task FlushAsync(
        IConsumer<byte[]?, byte[]?> consumer,
        IProducer<byte[], byte[]> producer,
        List<(byte[]? Key, DeadLetter Letter)> deadLetters,
        CancellationToken ct
    )
    {
        var attempt = 0;
        while (!_batch.IsEmpty)
        {
            try
            {
                // Dead letters before the commit: at least once (a crash in between repeats them).
                foreach (var (key, letter) in deadLetters)
                    await producer.ProduceAsync(
                        TopicCatalog.DeadLetters.Name,
                        new Message<byte[], byte[]>
                        {
                            Key = key ?? [],
                            Value = letter.ToByteArray(),
                            Headers = MessageHeaders.For<DeadLetter>(),
                        },
                        ct
                    );
                if (deadLetters.Count > 0)
                    _log.LogWarning(
                        "Sent {Count} twap.statuses records the sink cannot store to {Topic}",
                        deadLetters.Count,
                        TopicCatalog.DeadLetters.Name
                    );
                deadLetters.Clear();
                var conn = await _connection.OpenAsync(ct);
                await _writer.WriteAsync(conn, _batch, _stored, ct);
                foreach (var (tp, next) in _batch.NextOffsets)
                    _stored[tp] = next;
                RecordFlowMetrics.In(SinkMetrics.Role, TopicCatalog.TwapStatuses.Name, _batch.Count);
                var done = _batch.NextOffsets.Select(p => new TopicPartitionOffset(p.Key, p.Value)).ToList();
                _batch.Clear();
                // Kafka offsets only show lag to operators; the database positions are the truth.
                try
                {
                    consumer.Commit(done);
                }
                catch (KafkaException e)
                {
                    _log.LogDebug("Lag commit skipped: {Reason}", e.Error.Reason);
                }
                if (attempt > 0)
                    _log.LogInformation("Database reachable again; the held TWAP batch was written after {Attempts} attempts", attempt + 1);
                return;
            }
            catch (SinkOwnershipLostException e)
            {
                _log.LogWarning("TWAP batch not written: {Message}. Re-reading stored positions", e.Message);
                _batch.Clear();
                Reseek(consumer);
                return;
            }
            catch (Exception e) when (IsTransient(e) && !ct.IsCancellationRequested)
            {
                _connection.Reset();
                var delay = Backoff(++attempt);
                _log.LogWarning(
                    "TWAP batch write of {Count} records failed (attempt {Attempt}; holding it, retrying in {Delay} ms): {Message}",
                    _batch.Count,
                    attempt,
                    (int)delay.TotalMilliseconds,
                    e.Message
                );
                WaitKeepingMembership(consumer, delay, ct);
            }
        }
    }

    private List<TopicPartitionOffset> OnAssigned(IConsumer<byte[]?, byte[]?> consumer, List<TopicPartition> partitions)
    {
        var positions = LoadPositions(partitions);
        var starts = new List<TopicPartitionOffset>();
        foreach (var tp in partitions)
        {
            if (positions.TryGetValue(tp, out var next))
            {
                _stored[tp] = next;
                starts.Add(new TopicPartitionOffset(tp, next));
            }
            else
            {
                _stored.Remove(tp);
                starts.Add(new TopicPartitionOffset(tp, Offset.Beginning));
            }
        }
        _log.LogInformation("TWAP sink assigned {Partitions}", string.Join(", ", starts));
        return starts;
    }

    private void OnRevoked(List<TopicPartition> partitions)
    {
        _batch.Drop(partitions);
        foreach (var tp in partitions)
            _stored.Remove(tp);
    }

    private Dictionary<TopicPartition, long> LoadPositions(IReadOnlyCollection<TopicPartition> partitions)
    {
        var attempt = 0;
        while (true)
        {
            try
            {
                var conn = _connection.OpenAsync(_ct).GetAwaiter().GetResult();
                return _writer.LoadPositionsAsync(conn, partitions, _ct).GetAwaiter().GetResult();
            }
            catch (Exception e) when (IsTransient(e) && !_ct.IsCancellationRequested)
            {
                _connection.Reset();
                var delay = Backoff(++attempt);
                _log.LogWarning(
                    "Database unreachable while loading TWAP sink positions (attempt {Attempt}, retrying in {Delay} ms): {Message}",
                    attempt,
                    (int)delay.TotalMilliseconds,
                    e.Message
                );
                _ct.WaitHandle.WaitOne(delay);
            }
        }
    }

    private void Reseek(IConsumer<byte[]?, byte[]?> consumer)
    {
        var assigned = consumer.Assignment;
        var positions = LoadPositions(assigned);
        _stored.Clear();
        foreach (var tp in assigned)
        {
            if (positions.TryGetValue(tp, out var next))
            {
                _stored[tp] = next;
                consumer.Seek(new TopicPartitionOffset(tp, next));
            }
            else
                consumer.Seek(new TopicPartitionOffset(tp, Offset.Beginning));
        }
    }

    private void WaitKeepingMembership(IConsumer<byte[]?, byte[]?> consumer, TimeSpan delay, CancellationToken ct)
    {
        // Polling a paused consumer keeps the group membership (and runs rebalance callbacks) while fetching nothing.
        var paused = consumer.Assignment;
        consumer.Pause(paused);
        var until = DateTime.UtcNow + delay;
        while (!ct.IsCancellationRequested && DateTime.UtcNow < until)
        {
            var record = consumer.Consume(TimeSpan.FromMilliseconds(Math.Clamp((until - DateTime.UtcNow).TotalMilliseconds, 0, 200)));
            if (record is { Message: not null })
            {
                consumer.Pause([record.TopicPartition]); // assigned during the wait: read it again later
                consumer.Seek(record.TopicPartitionOffset);
            }
        }
        consumer.Resume(consumer.Assignment);
    }

    private static TimeSpan Backoff(int attempt) =>
        Pipeline.Plumbing.Resilience.Backoff.Delay(attempt, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(10));

    private bool IsTransient(Exception e) => SinkFailures.IsTransient(e, _connection.IsOpen);
}
