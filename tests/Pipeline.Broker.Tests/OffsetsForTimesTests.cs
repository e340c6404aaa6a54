using Confluent.Kafka;

namespace Pipeline.Broker.Tests;

/// <summary>Scenario 6: ListOffsets by timestamp through the time index, inside compressed batches too.</summary>
public sealed class OffsetsForTimesTests
{
    private static readonly DateTime T0 = new(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc);

    private static async Task ProduceTimedAsync(string bootstrap, string topic, CompressionType compression, int count, int perBatch)
    {
        using var producer = Clients.Producer(
            bootstrap,
            c =>
            {
                c.CompressionType = compression;
                c.LingerMs = 1000;
                c.BatchNumMessages = perBatch;
            }
        );
        for (int i = 0; i < count; i++)
        {
            producer.Produce(
                topic,
                new Message<string, string>
                {
                    Key = "k",
                    Value = $"v{i}",
                    Timestamp = new Timestamp(T0.AddSeconds(i)),
                }
            );
            if ((i + 1) % perBatch == 0)
                producer.Flush();
        }
        producer.Flush();
        await Task.CompletedTask;
    }

    [Theory]
    [InlineData(CompressionType.None)]
    [InlineData(CompressionType.Lz4)]
    [InlineData(CompressionType.Gzip)]
    public async Task OffsetsForTimes_returns_the_first_offset_whose_timestamp_is_at_or_after_T(CompressionType compression)
    {
        await using var broker = await InProcessBroker.StartAsync();
        await broker.CreateTopicAsync("ticks");
        await ProduceTimedAsync(broker.BootstrapServers, "ticks", compression, count: 20, perBatch: 5);

        using var consumer = Clients.Consumer(broker.BootstrapServers, "times");
        long OffsetFor(DateTime t) =>
            consumer.OffsetsForTimes([new TopicPartitionTimestamp("ticks", 0, new Timestamp(t))], TimeSpan.FromSeconds(10))[0].Offset.Value;

        Assert.Equal(0, OffsetFor(T0.AddSeconds(-100)));
        Assert.Equal(0, OffsetFor(T0));
        Assert.Equal(7, OffsetFor(T0.AddSeconds(7))); // exact match inside the second batch
        Assert.Equal(8, OffsetFor(T0.AddSeconds(7.5))); // between records: the next one
        Assert.Equal(10, OffsetFor(T0.AddSeconds(9.2))); // across a batch boundary
        Assert.Equal(19, OffsetFor(T0.AddSeconds(19)));
        Assert.Equal(Offset.End.Value, OffsetFor(T0.AddSeconds(20))); // after every record: -1
    }

    [Fact]
    public async Task OffsetsForTimes_survives_a_broker_restart()
    {
        await using var broker = await InProcessBroker.StartAsync();
        await broker.CreateTopicAsync("ticks");
        await ProduceTimedAsync(broker.BootstrapServers, "ticks", CompressionType.Lz4, count: 10, perBatch: 3);
        await broker.RestartAsync();
        using var consumer = Clients.Consumer(broker.BootstrapServers, "times");
        var result = consumer.OffsetsForTimes(
            [new TopicPartitionTimestamp("ticks", 0, new Timestamp(T0.AddSeconds(4)))],
            TimeSpan.FromSeconds(10)
        );
        Assert.Equal(4, result[0].Offset.Value);
    }
}
