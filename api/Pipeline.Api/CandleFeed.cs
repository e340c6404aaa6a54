// Reads the candles topic from its end (read_committed, assigned partitions, no group commits) and hands each
// candle to the live-stream subscriptions that want it.
using System.Collections.Concurrent;
using Confluent.Kafka;
using Microsoft.Extensions.Hosting;
using Pipeline.Plumbing.Kafka;
using Pipeline.Plumbing.Topics;
using Pipeline.Schemas.V1;
using Pipeline.Plumbing.Resilience;
using Pipeline.Plumbing.Serialization;

namespace Pipeline.Api;

public sealed class CandleFeed(KafkaClientSettings kafka, ILogger<CandleFeed> log) : BackgroundService
{
    private readonly ConcurrentDictionary<CandleSubscription, byte> _subscriptions = new();
    private readonly TaskCompletionSource _positioned = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once the feed is reading: candles published after this are delivered.</summary>
    public Task Positioned => _positioned.Task;

    public void Add(CandleSubscription s) => _subscriptions.TryAdd(s, 0);
    public void Remove(CandleSubscription s) => _subscriptions.TryRemove(s, out _);

    protected override Task ExecuteAsync(CancellationToken ct) =>
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
                return; // stopping: a metadata call cut short is expected
            }
            catch (Exception e) when (e is KafkaException or InvalidOperationException)
            {
                var delay = Backoff.Delay(++attempt, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(10));
                log.LogWarning("Live candle feed cannot read {Topic} ({Message}); retrying in {Delay} ms", TopicCatalog.Candles.Name, e.Message, (int)delay.TotalMilliseconds);
                ct.WaitHandle.WaitOne(delay);
            }
        }
    }

    private void Consume(CancellationToken ct)
    {
        var config = kafka.Consumer($"pipeline-api-stream-{Environment.ProcessId}", $"pipeline-api-stream-{Guid.NewGuid():N}");
        // librdkafka's own log lines go to our log (debug): an unreachable broker is reported once per retry, below.
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(config).SetLogHandler((_, m) => log.LogDebug("librdkafka: {Message}", m.Message)).Build();
        using var admin = new AdminClientBuilder(kafka.Admin("pipeline-api-stream")).SetLogHandler((_, m) => log.LogDebug("librdkafka: {Message}", m.Message)).Build();
        var topic = admin.GetMetadata(TopicCatalog.Candles.Name, TimeSpan.FromSeconds(1)).Topics.Single();
        if (topic.Error.IsError || topic.Partitions.Count == 0)
            throw new InvalidOperationException($"topic {TopicCatalog.Candles.Name} is not available: {topic.Error.Reason}");
        // Explicit end offsets (not Offset.End, resolved later): anything published after Positioned is seen.
        var starts = topic.Partitions.Select(p =>
        {
            var tp = new TopicPartition(topic.Topic, p.PartitionId);
            return new TopicPartitionOffset(tp, consumer.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(5)).High);
        }).ToList();
        consumer.Assign(starts);
        _positioned.TrySetResult();
        log.LogInformation("Live candle feed reading {Topic} ({Partitions} partitions) from its end", topic.Topic, starts.Count);
        while (!ct.IsCancellationRequested)
        {
            var r = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (r?.Message?.Value is null || _subscriptions.IsEmpty) continue;
            Candle candle;
            var value = RecordValues.Read(r.Message.Value);
            if (value.IsFault) continue; // the sink dead-letters it; the stream just skips it
            try { candle = Candle.Parser.ParseFrom(value.PayloadArray()); }
            catch (Google.Protobuf.InvalidProtocolBufferException) { continue; } // the sink dead-letters it; the stream just skips it
            if (candle.Instrument is null) continue;
            var key = candle.Instrument.Key;
            foreach (var s in _subscriptions.Keys)
                if (s.Wants(key, candle.Interval)) s.Offer(key, candle);
        }
        consumer.Close();
    }
}
