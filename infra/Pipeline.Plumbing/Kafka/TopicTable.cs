// State kept in a compacted topic, read back as a table: every partition from its beginning, then followed, the latest
// value per key (a null value deletes the key). Roles that share such state (the API and the producers for backfill
// jobs) each read their own copy; the topic is the only place it lives, so it survives restarts of either.
using System.Collections.Concurrent;
using Confluent.Kafka;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Pipeline.Plumbing.Errors;
using Pipeline.Plumbing.Resilience;
using Pipeline.Plumbing.Serialization;
using Pipeline.Plumbing.Topics;

namespace Pipeline.Plumbing.Kafka;

public sealed class TopicTable<T>
    where T : class, IMessage<T>, new()
{
    private readonly KafkaClientSettings _kafka;
    private readonly TopicSpec _topic;
    private readonly ILogger _log;
    private readonly ConcurrentDictionary<string, T> _rows = new();
    private readonly TaskCompletionSource _caughtUp = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly MessageParser<T> _parser = new(() => new T());

    public TopicTable(KafkaClientSettings kafka, TopicSpec topic, ILogger log)
    {
        _kafka = kafka;
        _topic = topic;
        _log = log;
    }

    /// <summary>Completes once every record that was in the topic when reading started has been read.</summary>
    public Task CaughtUp => _caughtUp.Task;

    /// <summary>Whether a value read from the topic replaces the one held (default: always). A process that remembers its
    /// own writes (<see cref="Remember"/>) uses it so that an older record of its own, read back late, is not taken for news.</summary>
    public Func<T, T, bool>? Supersedes { get; init; }

    /// <summary>Called (on the reading thread) for every value read, after the table has it.</summary>
    public Action<string, T>? Changed { get; set; }

    public bool TryGet(string key, out T value) => _rows.TryGetValue(key, out value!);

    public IReadOnlyList<KeyValuePair<string, T>> Snapshot() => _rows.ToList();

    /// <summary>Puts a value this process has just had acknowledged by Kafka, so it reads its own write at once; the same
    /// record read back later replaces it with an equal value.</summary>
    public void Remember(string key, T value) => _rows[key] = value;

    /// <summary>Reads until cancelled, reconnecting with backoff when Kafka is unreachable.</summary>
    public Task RunAsync(CancellationToken ct) =>
        Task.Factory.StartNew(() => Run(ct), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void Run(CancellationToken ct)
    {
        var attempt = 0;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                Consume(ct);
                return;
            }
            catch (Exception) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is KafkaException or DependencyUnavailableException)
            {
                var delay = Backoff.Delay(++attempt, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(10));
                _log.LogWarning(
                    "Cannot read {Topic} ({Message}); retrying in {Delay} ms",
                    _topic.Name,
                    e.Message,
                    (int)delay.TotalMilliseconds
                );
                ct.WaitHandle.WaitOne(delay);
            }
        }
    }

    private void Consume(CancellationToken ct)
    {
        // No group offsets are used: every reader reads the whole topic (its own copy of the table).
        var config = _kafka.Consumer($"table-{_topic.Name}-{Environment.ProcessId}", $"table-{_topic.Name}-{Guid.NewGuid():N}");
        using var consumer = new ConsumerBuilder<string?, byte[]?>(config)
            .SetLogHandler((_, m) => _log.LogDebug("librdkafka: {Message}", m.Message))
            .Build();
        using var admin = new AdminClientBuilder(_kafka.Admin($"table-{_topic.Name}"))
            .SetLogHandler((_, m) => _log.LogDebug("librdkafka: {Message}", m.Message))
            .Build();
        var meta = admin.GetMetadata(_topic.Name, TimeSpan.FromSeconds(1)).Topics.Single();
        if (meta.Error.IsError || meta.Partitions.Count == 0)
            throw new DependencyUnavailableException($"topic {_topic.Name} is not available: {meta.Error.Reason}");
        var partitions = meta.Partitions.Select(p => new TopicPartition(_topic.Name, p.PartitionId)).ToList();
        var ends = partitions.ToDictionary(
            tp => tp.Partition.Value,
            tp => consumer.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(5)).High.Value
        );
        consumer.Assign(partitions.Select(tp => new TopicPartitionOffset(tp, Offset.Beginning)));
        var pending = ends.Where(e => e.Value > 0).Select(e => e.Key).ToHashSet();
        if (pending.Count == 0)
            _caughtUp.TrySetResult();
        while (!ct.IsCancellationRequested)
        {
            var r = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (r?.Message is null)
            {
                // Transaction markers at a partition's end are never handed out: the position tells instead.
                foreach (var p in pending.ToList())
                    if (consumer.Position(new TopicPartition(_topic.Name, p)).Value >= ends[p])
                        pending.Remove(p);
                if (pending.Count == 0)
                    _caughtUp.TrySetResult();
                continue;
            }
            var key = r.Message.Key;
            if (key is not null)
                Apply(key, r.Message.Value);
            // Read committed: control records are skipped, so "caught up" is having consumed up to the end seen at start.
            if (pending.Count > 0 && r.Offset.Value + 1 >= ends[r.Partition.Value])
            {
                pending.Remove(r.Partition.Value);
                if (pending.Count == 0)
                    _caughtUp.TrySetResult();
            }
        }
        consumer.Close();
    }

    private void Apply(string key, byte[]? bytes)
    {
        if (bytes is null)
        {
            _rows.TryRemove(key, out _);
            return;
        }
        var value = RecordValues.Read(bytes);
        if (value.IsFault)
        {
            _log.LogWarning("Skipping an unreadable {Topic} record for {Key}: {Reason}", _topic.Name, key, value.FaultReason);
            return;
        }
        T parsed;
        try
        {
            parsed = _parser.ParseFrom(value.PayloadArray());
        }
        catch (InvalidProtocolBufferException e)
        {
            _log.LogWarning("Skipping an unreadable {Topic} record for {Key}: {Message}", _topic.Name, key, e.Message);
            return;
        }
        if (Supersedes is { } newer && _rows.TryGetValue(key, out var held) && !newer(held, parsed))
            return;
        _rows[key] = parsed;
        Changed?.Invoke(key, parsed);
    }
}
