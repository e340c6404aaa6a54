using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Pipeline.Testing;

namespace Pipeline.Broker.Tests;

/// <summary>Client helpers shared by the conformance tests.</summary>
public static class Clients
{
    public static IProducer<string, string> Producer(string bootstrap, Action<ProducerConfig>? configure = null)
    {
        Librdkafka.EnsureLoaded();
        var config = new ProducerConfig { BootstrapServers = bootstrap, LingerMs = 1 };
        configure?.Invoke(config);
        return new ProducerBuilder<string, string>(config).Build();
    }

    public static IConsumer<string, string> Consumer(
        string bootstrap,
        string group,
        IsolationLevel isolation = IsolationLevel.ReadCommitted,
        Action<ConsumerConfig>? configure = null
    )
    {
        Librdkafka.EnsureLoaded();
        var config = new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = group,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
            IsolationLevel = isolation,
            FetchWaitMaxMs = 50,
            EnablePartitionEof = true,
        };
        configure?.Invoke(config);
        return new ConsumerBuilder<string, string>(config).Build();
    }

    public static async Task CreateTopicAsync(string bootstrap, string name, int partitions = 1, Dictionary<string, string>? configs = null)
    {
        Librdkafka.EnsureLoaded();
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap }).Build();
        await admin.CreateTopicsAsync([
            new TopicSpecification
            {
                Name = name,
                NumPartitions = partitions,
                ReplicationFactor = 1,
                Configs = configs,
            },
        ]);
    }

    /// <summary>Creates a topic on a broker that drops connections at random: the admin request itself may lose its
    /// connection, so it is retried, and an earlier attempt may have succeeded (TOPIC_ALREADY_EXISTS then counts).</summary>
    public static Task CreateTopicThroughDropsAsync(string bootstrap, string name, int partitions) =>
        Eventually.TrueAsync(
            async () =>
            {
                try
                {
                    await CreateTopicAsync(bootstrap, name, partitions);
                    return true;
                }
                catch (CreateTopicsException e) when (e.Results[0].Error.Code == Confluent.Kafka.ErrorCode.TopicAlreadyExists)
                {
                    return true;
                }
                catch (KafkaException)
                {
                    return false;
                }
            },
            TimeSpan.FromSeconds(60),
            $"{name} to be created"
        );

    /// <summary>
    /// Reads everything currently readable on the assigned partitions (until EOF on all of them, after
    /// <paramref name="minCount"/> messages at least), as (partition, offset, value).
    /// </summary>
    public static List<(int Partition, long Offset, string Value)> ReadAll(
        IConsumer<string, string> consumer,
        string topic,
        int partitions,
        int minCount = 0,
        TimeSpan? timeout = null
    )
    {
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        return Drain(consumer, partitions, minCount, timeout);
    }

    /// <summary>Everything delivered within a fixed window: for asserting that nothing arrives.</summary>
    public static List<(int Partition, long Offset, string Value)> PollFor(IConsumer<string, string> consumer, TimeSpan window)
    {
        var result = new List<(int, long, string)>();
        var until = DateTime.UtcNow + window;
        while (DateTime.UtcNow < until)
            if (consumer.Consume(50) is { IsPartitionEOF: false } r)
                result.Add((r.Partition.Value, r.Offset.Value, r.Message.Value));
        return result;
    }

    /// <summary>Polls a subscribed consumer until its group gives it <paramref name="partitions"/> partitions (a record
    /// delivered meanwhile is passed over); throws TimeoutException after 30 s.</summary>
    public static Task AssignedAsync<TValue>(IConsumer<string, TValue> consumer, int partitions, string what) =>
        Eventually.TrueAsync(
            () =>
            {
                consumer.Consume(50);
                return consumer.Assignment.Count == partitions;
            },
            TimeSpan.FromSeconds(30),
            what
        );

    /// <summary>
    /// The next <paramref name="count"/> records the consumer delivers (end-of-partition events skipped), waiting on their
    /// arrival; throws TimeoutException when they do not all come in time (30 s by default).
    /// </summary>
    public static async Task<List<ConsumeResult<string, TValue>>> TakeAsync<TValue>(
        IConsumer<string, TValue> consumer,
        int count,
        TimeSpan? timeout = null
    )
    {
        var taken = new List<ConsumeResult<string, TValue>>();
        await Eventually.TrueAsync(
            () =>
            {
                while (taken.Count < count && consumer.Consume(100) is { } r)
                    if (!r.IsPartitionEOF)
                        taken.Add(r);
                return taken.Count >= count;
            },
            timeout ?? TimeSpan.FromSeconds(30),
            $"{count} records"
        );
        return taken;
    }

    /// <summary>Every record up to the end of a one-partition assignment (the end as it stands when reached); throws
    /// TimeoutException when the end is not reached in time (30 s by default).</summary>
    public static async Task<List<ConsumeResult<string, TValue>>> ReadToEndAsync<TValue>(
        IConsumer<string, TValue> consumer,
        TimeSpan? timeout = null
    )
    {
        var read = new List<ConsumeResult<string, TValue>>();
        bool atEnd = false;
        await Eventually.TrueAsync(
            () =>
            {
                while (!atEnd && consumer.Consume(100) is { } r)
                    if (r.IsPartitionEOF)
                        atEnd = true;
                    else
                        read.Add(r);
                return atEnd;
            },
            timeout ?? TimeSpan.FromSeconds(30),
            "the end of the partition"
        );
        return read;
    }

    public static List<(int Partition, long Offset, string Value)> Drain(
        IConsumer<string, string> consumer,
        int partitions,
        int minCount = 0,
        TimeSpan? timeout = null
    )
    {
        var result = new List<(int, long, string)>();
        var eof = new HashSet<int>();
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (DateTime.UtcNow < deadline)
        {
            var r = consumer.Consume(100);
            if (r is null)
                continue;
            if (r.IsPartitionEOF)
            {
                eof.Add(r.Partition.Value);
                if (eof.Count >= partitions && result.Count >= minCount)
                    return result;
                continue;
            }
            eof.Remove(r.Partition.Value);
            result.Add((r.Partition.Value, r.Offset.Value, r.Message.Value));
        }
        throw new TimeoutException(
            $"read {result.Count} records (wanted at least {minCount}) and reached the end of {eof.Count}/{partitions} partitions"
        );
    }
}
