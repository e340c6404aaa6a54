// Reads a topic from the beginning of every partition without a consumer group (no rebalance waits).
using Confluent.Kafka;
using Google.Protobuf;
using Pipeline.Plumbing.Kafka;
using Pipeline.Plumbing.Serialization;
using Pipeline.Schemas.V1;

namespace Pipeline.Producers.Tests;

internal sealed class TopicRecords<T> : IDisposable
    where T : IMessage<T>, new()
{
    private static readonly string TypeName = new T().Descriptor.FullName;
    private static readonly bool ReadsMarks = TypeName == EndOfInput.Descriptor.FullName;
    private readonly IConsumer<string, byte[]> _consumer;

    public TopicRecords(KafkaClientSettings settings, string topic)
    {
        var config = settings.Consumer("test-reader", "unused-" + Guid.NewGuid().ToString("N"));
        config.FetchWaitMaxMs = 10;
        _consumer = new ConsumerBuilder<string, byte[]>(config).Build();
        using var admin = new AdminClientBuilder(settings.Admin("test-admin")).Build();
        var partitions = admin.GetMetadata(topic, TimeSpan.FromSeconds(10)).Topics.Single().Partitions;
        _consumer.Assign(partitions.Select(p => new TopicPartitionOffset(topic, p.PartitionId, Offset.Beginning)));
    }

    public List<(string Key, T Value, string? Type)> Records { get; } = new();

    /// <summary>Reads what is available now (up to a short poll) and returns all records read so far.</summary>
    public List<(string Key, T Value, string? Type)> Poll()
    {
        for (var r = _consumer.Consume(TimeSpan.FromMilliseconds(100)); r is not null; r = _consumer.Consume(TimeSpan.FromMilliseconds(20)))
        {
            if (r.IsPartitionEOF)
                continue;
            // Topics carry more than one message type (end-of-input marks among trades): read only T's.
            if (
                MessageHeaders.TypeOf(r.Message.Headers) is { } type
                && type != TypeName
                && !(ReadsMarks && MessageHeaders.IsEndOfInput(r.Message.Headers))
            )
                continue;
            var value = new MessageParser<T>(() => new T()).ParseFrom(r.Message.Value);
            Records.Add((r.Message.Key, value, MessageHeaders.TypeOf(r.Message.Headers)));
        }
        return Records;
    }

    public void Dispose() => _consumer.Dispose();
}
