// The bounded hand-off between connections and the Kafka writer: when Kafka is slow it fills and connections stop reading.
using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Google.Protobuf;
using Pipeline.Producers.Publishing;
using Pipeline.Schemas.V1;

namespace Pipeline.Producers.Connectors;

public sealed class RecordQueue
{
    private static readonly Meter Meter = new("Pipeline.Producers.Connectors");
    private static readonly Counter<long> FullCounter = Meter.CreateCounter<long>(
        "pipeline_producer_queue_full",
        description: "Times a connection found the record queue full and waited (back-pressure from Kafka)"
    );

    // Records waiting per venue, over every queue of the process (normally one).
    private static readonly ConcurrentDictionary<string, long> Waiting = new();

    static RecordQueue()
    {
        Meter.CreateObservableGauge(
            "pipeline_producer_queue_depth",
            () => Waiting.Select(w => new Measurement<long>(w.Value, new KeyValuePair<string, object?>("venue", w.Key))),
            description: "Records waiting for the Kafka writer, by venue"
        );
    }

    private readonly Channel<IMessage> _channel;
    private long _full;
    private int _highWater;

    public RecordQueue(int capacity)
    {
        Capacity = capacity;
        _channel = Channel.CreateBounded<IMessage>(
            new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true }
        );
    }

    public int Capacity { get; }
    public int Count => _channel.Reader.Count;

    /// <summary>Most records ever waiting at once (never above <see cref="Capacity"/>).</summary>
    public int HighWater => Volatile.Read(ref _highWater);

    /// <summary>Times a writer found the queue full and had to wait.</summary>
    public long FullEvents => Interlocked.Read(ref _full);

    public async ValueTask EnqueueAsync(IMessage record, CancellationToken ct)
    {
        var venue = VenueOf(record);
        Waiting.AddOrUpdate(venue, 1, (_, n) => n + 1);
        if (!_channel.Writer.TryWrite(record))
        {
            Interlocked.Increment(ref _full);
            FullCounter.Add(1);
            try
            {
                await _channel.Writer.WriteAsync(record, ct);
            }
            catch (OperationCanceledException)
            {
                Waiting.AddOrUpdate(venue, 0, (_, n) => n - 1);
                throw;
            }
        }
        var count = _channel.Reader.Count;
        if (count > HighWater)
            Volatile.Write(ref _highWater, Math.Min(count, Capacity));
    }

    private static string VenueOf(IMessage record) =>
        record switch
        {
            Trade t => t.Instrument?.Exchange ?? "",
            Candle c => c.Instrument?.Exchange ?? "",
            _ => "",
        };

    /// <summary>Moves records to Kafka until cancelled; the publisher's own back-pressure slows this loop.</summary>
    public async Task DrainAsync(TopicPublisher publisher, CancellationToken ct)
    {
        await foreach (var record in _channel.Reader.ReadAllAsync(ct))
        {
            Waiting.AddOrUpdate(VenueOf(record), 0, (_, n) => n - 1);
            switch (record)
            {
                case Trade t:
                    await publisher.PublishAsync(t, ct);
                    break;
                case Candle c:
                    await publisher.PublishAsync(c, ct);
                    break;
                default:
                    throw new InvalidOperationException($"unexpected record type {record.Descriptor.FullName} in the record queue");
            }
        }
    }
}
