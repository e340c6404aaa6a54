// Writes normalised records to the raw topics through one idempotent producer, keyed by instrument.
using System.Diagnostics.Metrics;
using Confluent.Kafka;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Pipeline.Plumbing.Errors;
using Pipeline.Plumbing.Kafka;
using Pipeline.Plumbing.Serialization;
using Pipeline.Plumbing.Topics;
using Pipeline.Schemas.V1;

namespace Pipeline.Producers.Publishing;

public sealed class TopicPublisher : IDisposable
{
    private static readonly Meter Meter = new("Pipeline.Producers");
    private static readonly Counter<long> Published = Meter.CreateCounter<long>("pipeline_producer_records_published");
    private static readonly Counter<long> KafkaQueueFull = Meter.CreateCounter<long>("pipeline_producer_kafka_queue_full");

    private readonly IProducer<string, byte[]> _producer;
    private readonly ILogger _log;
    private readonly Action<DeliveryReport<string, byte[]>> _onDelivery;
    private Exception? _deliveryFailure;
    private long _delivered;
    private long _produced;

    /// <param name="extraConfig">librdkafka properties on top of the pipeline defaults (tests bound the queue with it).</param>
    public TopicPublisher(
        KafkaClientSettings settings,
        string clientId,
        ILogger log,
        IReadOnlyDictionary<string, string>? extraConfig = null
    )
    {
        var config = settings.Producer(clientId);
        if (extraConfig is not null)
            foreach (var (k, v) in extraConfig)
                config.Set(k, v);
        _producer = new ProducerBuilder<string, byte[]>(config)
            .SetErrorHandler((_, e) => log.LogWarning("Kafka producer {ClientId}: {Reason}", clientId, e.Reason))
            // librdkafka's own log lines go through our logger, not raw to stderr (errors surface via the handler above).
            .SetLogHandler((_, m) => log.LogDebug("librdkafka {ClientId} {Facility}: {Message}", clientId, m.Facility, m.Message))
            .Build();
        _log = log;
        _onDelivery = report =>
        {
            if (report.Error.IsError)
                _deliveryFailure ??= new ProduceException<string, byte[]>(report.Error, report);
            else
            {
                Interlocked.Increment(ref _delivered);
                lock (_ranges)
                {
                    var tp = report.TopicPartition;
                    var o = report.Offset.Value;
                    _ranges[tp] = _ranges.TryGetValue(tp, out var r) ? (Math.Min(r.First, o), Math.Max(r.Last, o)) : (o, o);
                }
            }
        };
    }

    private readonly Dictionary<TopicPartition, (long First, long Last)> _ranges = new();

    /// <summary>The lowest and highest offset acknowledged per topic partition (what an import wrote, to find its outcome).</summary>
    public IReadOnlyDictionary<TopicPartition, (long First, long Last)> DeliveredRanges
    {
        get
        {
            lock (_ranges)
                return new Dictionary<TopicPartition, (long First, long Last)>(_ranges);
        }
    }

    /// <summary>Records Kafka has acknowledged.</summary>
    public long Delivered => Interlocked.Read(ref _delivered);

    /// <summary>Records handed to the Kafka client (acknowledged or in flight).</summary>
    public long Produced => Interlocked.Read(ref _produced);

    /// <summary>How long Dispose waits for records still in flight.</summary>
    public TimeSpan DisposeFlushTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Times the Kafka client's own queue was full and publishing waited (back-pressure).</summary>
    public long QueueFullWaits { get; private set; }

    public Task PublishAsync(Trade trade, CancellationToken ct) =>
        PublishAsync(TopicCatalog.RawTrades.Name, trade.Instrument.Key, trade, ct);

    public Task PublishAsync(Candle candle, CancellationToken ct) =>
        PublishAsync(TopicCatalog.RawExchangeCandles.Name, candle.Instrument.Key, candle, ct);

    /// <summary>An end-of-input mark goes on trades.raw with the instrument's key, so it stays behind the trades it closes
    /// (same partition, ADR 0007); its pipeline.type header tells it apart.</summary>
    public Task PublishAsync(EndOfInput end, CancellationToken ct)
    {
        EndOfInputMarks++;
        return PublishAsync(TopicCatalog.RawTrades.Name, end.Instrument.Key, end, ct);
    }

    /// <summary>End-of-input marks published (they are records of trades.raw, not rows).</summary>
    public long EndOfInputMarks { get; private set; }

    /// <summary>Hands one record to the Kafka client. When its queue is full this waits (polling delivery reports)
    /// instead of buffering more: a slow Kafka slows the caller rather than growing memory.</summary>
    public async Task PublishAsync<T>(string topic, string key, T value, CancellationToken ct)
        where T : IMessage<T>, new()
    {
        ThrowIfDeliveryFailed();
        var message = new Message<string, byte[]>
        {
            Key = key,
            Value = RecordValues.Write(topic, value.Descriptor, value.ToByteArray()),
            Headers = RecordValues.HeadersFor(topic, MessageHeaders.For<T>()),
        };
        while (true)
        {
            try
            {
                _producer.Produce(topic, message, _onDelivery);
                Interlocked.Increment(ref _produced);
                Published.Add(1);
                Pipeline.Plumbing.Metrics.RecordFlowMetrics.Out("produce", topic);
                return;
            }
            catch (ProduceException<string, byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
            {
                QueueFullWaits++;
                KafkaQueueFull.Add(1);
                ct.ThrowIfCancellationRequested();
                // Poll serves delivery reports, which frees queue space; the delay keeps this loop off the CPU.
                _producer.Poll(TimeSpan.Zero);
                await Task.Delay(5, ct);
                ThrowIfDeliveryFailed();
            }
        }
    }

    /// <summary>Waits until everything handed over so far is acknowledged; throws when any record failed.</summary>
    public async Task FlushAsync(CancellationToken ct)
    {
        while (_producer.Flush(TimeSpan.FromMilliseconds(200)) > 0)
        {
            ThrowIfDeliveryFailed();
            ct.ThrowIfCancellationRequested();
            await Task.Yield();
        }
        ThrowIfDeliveryFailed();
    }

    private void ThrowIfDeliveryFailed()
    {
        if (_deliveryFailure is { } e)
            throw new DependencyUnavailableException(
                $"Kafka did not accept a record ({e.Message}); check the broker and Kafka:Bootstrap",
                e
            );
    }

    public void Dispose()
    {
        try
        {
            _producer.Flush(DisposeFlushTimeout);
        }
        catch (Exception e) when (e is KafkaException or ObjectDisposedException)
        {
            _log.LogWarning("Final flush failed: {Message}", e.Message);
        }
        _producer.Dispose();
    }
}
