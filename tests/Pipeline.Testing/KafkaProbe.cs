// Reads a topic from the beginning (read_committed) for assertions in the Kafka tests.
using Confluent.Kafka;
using Google.Protobuf;
using Pipeline.Plumbing.Kafka;

namespace Pipeline.Testing;

public sealed class KafkaProbe<T> : IDisposable
    where T : IMessage<T>, new()
{
    private readonly IConsumer<byte[]?, byte[]?> _consumer;
    private readonly MessageParser<T> _parser = new(() => new T());

    public KafkaProbe(KafkaClientSettings settings, string topic)
    {
        var config = settings.Consumer("probe-" + Guid.NewGuid().ToString("N"), "probe-" + Guid.NewGuid().ToString("N"));
        _consumer = new ConsumerBuilder<byte[]?, byte[]?>(config).Build();
        _consumer.Subscribe(topic);
    }

    public List<T> Received { get; } = new();

    /// <summary>Drains what is available now (waits briefly for more).</summary>
    public Task<List<T>> PollAsync() =>
        Task.Run(() =>
        {
            while (_consumer.Consume(TimeSpan.FromMilliseconds(200)) is { } cr)
                if (!cr.IsPartitionEOF && cr.Message.Value is not null)
                    Received.Add(_parser.ParseFrom(cr.Message.Value));
            return Received;
        });

    public void Dispose()
    {
        _consumer.Close();
        _consumer.Dispose();
    }
}
