// Reads the candles, indicators and valid-trades topics from their end (read_committed, assigned partitions, no group
// commits) and hands each record to the live clients (SSE streams, WebSockets) that want it. One reader per API process,
// whatever the number of clients; a record nobody wants is not decoded.
using System.Collections.Concurrent;
using Confluent.Kafka;
using Google.Protobuf;
using Microsoft.Extensions.Hosting;
using Pipeline.Plumbing.Errors;
using Pipeline.Plumbing.Kafka;
using Pipeline.Plumbing.Resilience;
using Pipeline.Plumbing.Serialization;
using Pipeline.Plumbing.Topics;
using Pipeline.Schemas.V1;

namespace Pipeline.Api;

public sealed class CandleFeed(KafkaClientSettings kafka, ILogger<CandleFeed> log) : BackgroundService
{
    private readonly ConcurrentDictionary<ILiveSubscriber, byte> _subscriptions = new();
    private readonly TaskCompletionSource _positioned = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once the feed is reading: candles published after this are delivered.</summary>
    public Task Positioned => _positioned.Task;

    public void Add(ILiveSubscriber s) => _subscriptions.TryAdd(s, 0);

    public void Remove(ILiveSubscriber s) => _subscriptions.TryRemove(s, out _);

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
            catch (Exception e) when (e is KafkaException or DependencyUnavailableException)
            {
                var delay = Backoff.Delay(++attempt, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(10));
                log.LogWarning(
                    "Live candle feed cannot read {Topic} ({Message}); retrying in {Delay} ms",
                    TopicCatalog.Candles.Name,
                    e.Message,
                    (int)delay.TotalMilliseconds
                );
                ct.WaitHandle.WaitOne(delay);
            }
        }
    }

    private void Consume(CancellationToken ct)
    {
        var config = kafka.Consumer($"pipeline-api-stream-{Environment.ProcessId}", $"pipeline-api-stream-{Guid.NewGuid():N}");
        // librdkafka's own log lines go to our log (debug): an unreachable broker is reported once per retry, below.
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(config)
            .SetLogHandler((_, m) => log.LogDebug("librdkafka: {Message}", m.Message))
            .Build();
        using var admin = new AdminClientBuilder(kafka.Admin("pipeline-api-stream"))
            .SetLogHandler((_, m) => log.LogDebug("librdkafka: {Message}", m.Message))
            .Build();
        var starts = new List<TopicPartitionOffset>();
        foreach (var name in new[] { TopicCatalog.Candles.Name, TopicCatalog.Indicators.Name, TopicCatalog.ValidTrades.Name })
        {
            var topic = admin.GetMetadata(name, TimeSpan.FromSeconds(1)).Topics.Single();
            if (topic.Error.IsError || topic.Partitions.Count == 0)
            {
                // Candles are the stream's reason to exist; indicators and trades are extras a deployment may not have.
                if (name == TopicCatalog.Candles.Name)
                    throw new DependencyUnavailableException($"topic {name} is not available: {topic.Error.Reason}");
                log.LogWarning("Live feed: topic {Topic} is not available ({Reason}); its channel stays silent", name, topic.Error.Reason);
                continue;
            }
            // Explicit end offsets (not Offset.End, resolved later): anything published after Positioned is seen.
            foreach (var p in topic.Partitions)
            {
                var tp = new TopicPartition(topic.Topic, p.PartitionId);
                starts.Add(new TopicPartitionOffset(tp, consumer.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(5)).High));
            }
        }
        consumer.Assign(starts);
        _positioned.TrySetResult();
        log.LogInformation("Live feed reading candles, indicators and trades ({Partitions} partitions) from their end", starts.Count);
        while (!ct.IsCancellationRequested)
        {
            var r = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (r?.Message?.Value is null || r.Message.Key is null || _subscriptions.IsEmpty)
                continue;
            var key = System.Text.Encoding.UTF8.GetString(r.Message.Key);
            if (r.Topic == TopicCatalog.Candles.Name)
                Dispatch(key, r.Message.Value, Candle.Parser, static (s, k) => s.WantsCandles(k), static (s, k, c) => s.OfferCandle(k, c));
            else if (r.Topic == TopicCatalog.ValidTrades.Name)
                Dispatch(key, r.Message.Value, Trade.Parser, static (s, k) => s.WantsTrades(k), static (s, k, t) => s.OfferTrade(k, t));
            else
                Dispatch(
                    key,
                    r.Message.Value,
                    IndicatorValue.Parser,
                    static (s, k) => s.WantsIndicators(k),
                    static (s, k, v) => s.OfferIndicator(k, v)
                );
        }
        consumer.Close();
    }

    private void Dispatch<T>(
        string key,
        byte[] bytes,
        MessageParser<T> parser,
        Func<ILiveSubscriber, string, bool> wants,
        Action<ILiveSubscriber, string, T> offer
    )
        where T : IMessage<T>
    {
        List<ILiveSubscriber>? takers = null;
        foreach (var s in _subscriptions.Keys)
            if (wants(s, key))
                (takers ??= []).Add(s);
        if (takers is null)
            return;
        var value = RecordValues.Read(bytes);
        if (value.IsFault)
            return; // the sink dead-letters it; the stream just skips it
        T record;
        try
        {
            record = parser.ParseFrom(value.PayloadArray());
        }
        catch (InvalidProtocolBufferException)
        {
            return;
        } // the sink dead-letters it; the stream just skips it
        foreach (var s in takers)
            offer(s, key, record);
    }
}
