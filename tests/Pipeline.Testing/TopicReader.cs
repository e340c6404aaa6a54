// Reads a topic for assertions: every partition from the beginning, read_committed, without a consumer group (no
// rebalance waits, nothing committed). The one topic reader of the suites; TopicReader<T> reads one message type.
using Confluent.Kafka;
using Pipeline.Plumbing.Kafka;

namespace Pipeline.Testing;

public sealed class TopicReader : IDisposable
{
    private readonly IConsumer<byte[]?, byte[]?> _consumer;
    private readonly List<TopicPartition> _partitions;
    private readonly HashSet<TopicPartition> _atEnd = [];

    /// <param name="topics">One topic or more, read together.</param>
    public TopicReader(KafkaClientSettings settings, params string[] topics)
    {
        var config = settings.Consumer("test-reader", "test-reader-" + Guid.NewGuid().ToString("N"));
        config.EnablePartitionEof = true;
        config.FetchWaitMaxMs = 10;
        _consumer = new ConsumerBuilder<byte[]?, byte[]?>(config).Build();
        using var admin = new AdminClientBuilder(settings.Admin("test-reader-admin")).Build();
        _partitions = topics
            .SelectMany(topic =>
                admin
                    .GetMetadata(topic, TimeSpan.FromSeconds(30))
                    .Topics.Single()
                    .Partitions.Select(p => new TopicPartition(topic, p.PartitionId))
            )
            .ToList();
        _consumer.Assign(_partitions.Select(p => new TopicPartitionOffset(p, Offset.Beginning)));
    }

    /// <summary>Every record read so far, in the order read (partition order within a partition).</summary>
    public List<ConsumeResult<byte[]?, byte[]?>> Records { get; } = [];

    /// <summary>Reads what is available now (up to a short poll) and returns every record read so far.</summary>
    public List<ConsumeResult<byte[]?, byte[]?>> Poll()
    {
        for (var r = _consumer.Consume(TimeSpan.FromMilliseconds(100)); r is not null; r = _consumer.Consume(TimeSpan.FromMilliseconds(20)))
            Add(r);
        return Records;
    }

    /// <summary>Reads until every partition is at its end (the end as it stands when each is reached) and returns every
    /// record read; throws TimeoutException if a partition does not get there in time (60 s by default).</summary>
    public List<ConsumeResult<byte[]?, byte[]?>> ReadToEnd(TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        _atEnd.Clear();
        while (_atEnd.Count < _partitions.Count)
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"{string.Join(", ", _partitions.Except(_atEnd))} were not read to their end in time");
            if (_consumer.Consume(TimeSpan.FromMilliseconds(200)) is { } r)
                Add(r);
        }
        return Records;
    }

    /// <summary>Every committed record of a topic, from its beginning to its end at the time of the call.</summary>
    public static List<ConsumeResult<byte[]?, byte[]?>> ReadAll(KafkaClientSettings settings, string topic, TimeSpan? timeout = null)
    {
        using var reader = new TopicReader(settings, topic);
        return reader.ReadToEnd(timeout);
    }

    /// <summary>The committed offset of a group on one partition, or null.</summary>
    public static long? Committed(KafkaClientSettings settings, string group, string topic, int partition)
    {
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(settings.Consumer("test-reader-progress", group)).Build();
        var o = consumer.Committed([new TopicPartition(topic, partition)], TimeSpan.FromSeconds(30)).Single().Offset;
        return o.IsSpecial ? null : o.Value;
    }

    private void Add(ConsumeResult<byte[]?, byte[]?> r)
    {
        if (r.IsPartitionEOF)
            _atEnd.Add(r.TopicPartition);
        else
            Records.Add(r);
    }

    public void Dispose()
    {
        _consumer.Close();
        _consumer.Dispose();
    }
}
