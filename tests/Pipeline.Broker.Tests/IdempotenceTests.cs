using Confluent.Kafka;

namespace Pipeline.Broker.Tests;

/// <summary>Scenario 8: an idempotent producer against a broker that drops connections at random.</summary>
public sealed class IdempotenceTests
{
    [Fact]
    public async Task Idempotent_producer_writes_no_duplicates_and_no_reordering_while_connections_drop_at_random()
    {
        using var dir = new TestDirectory();
        await using var broker = await BrokerProcess.StartAsync(dir.Path, "--drop-connections", "0.03");
        await Clients.CreateTopicThroughDropsAsync(broker.BootstrapServers, "flaky", 2);

        const int count = 3000;
        var errors = 0;
        using (
            var producer = Clients.Producer(
                broker.BootstrapServers,
                c =>
                {
                    c.EnableIdempotence = true;
                    c.Acks = Acks.All;
                    c.LingerMs = 2;
                    c.BatchNumMessages = 50;
                    c.MessageTimeoutMs = 120_000;
                    c.ReconnectBackoffMs = 10;
                    c.ReconnectBackoffMaxMs = 100;
                }
            )
        )
        {
            for (int i = 0; i < count; i++)
                producer.Produce(
                    new TopicPartition("flaky", i % 2),
                    new Message<string, string> { Key = "k", Value = i.ToString() },
                    r =>
                    {
                        if (r.Error.IsError)
                            Interlocked.Increment(ref errors);
                    }
                );
            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(120)));
        }
        Assert.Equal(0, errors);

        using var consumer = Clients.Consumer(
            broker.BootstrapServers,
            "check",
            configure: c =>
            {
                c.ReconnectBackoffMs = 10;
                c.ReconnectBackoffMaxMs = 100;
            }
        );
        var records = Clients.ReadAll(consumer, "flaky", 2, minCount: count, timeout: TimeSpan.FromSeconds(120));
        foreach (var p in new[] { 0, 1 })
        {
            var values = records.Where(r => r.Partition == p).Select(r => int.Parse(r.Value)).ToList();
            Assert.Equal(Enumerable.Range(0, count).Where(i => i % 2 == p), values); // each once, in order
        }
    }

    [Fact]
    public async Task Duplicate_batch_is_acknowledged_with_its_original_offset_and_not_appended_again()
    {
        await using var broker = await InProcessBroker.StartAsync();
        await broker.CreateTopicAsync("dups");
        var partition = broker.Broker.Logs.Get("dups", 0)!;
        byte[] batch = RawBatches.Idempotent(producerId: 4242, epoch: 0, baseSequence: 0, "a", "b");
        Assert.Equal(ErrorCode.None, partition.Append(batch.ToArray(), out long first, out _));
        Assert.Equal(ErrorCode.None, partition.Append(batch.ToArray(), out long again, out _));
        Assert.Equal(first, again);
        Assert.Equal(2, partition.HighWatermark);

        byte[] gap = RawBatches.Idempotent(producerId: 4242, epoch: 0, baseSequence: 5, "c");
        Assert.Equal(ErrorCode.OutOfOrderSequenceNumber, partition.Append(gap, out _, out _));
        byte[] stale = RawBatches.Idempotent(producerId: 4242, epoch: -1 + 0, baseSequence: 2, "c");
        byte[] next = RawBatches.Idempotent(producerId: 4242, epoch: 0, baseSequence: 2, "c");
        Assert.Equal(ErrorCode.None, partition.Append(next, out long third, out _));
        Assert.Equal(2, third);
        byte[] bumped = RawBatches.Idempotent(producerId: 4242, epoch: 1, baseSequence: 0, "d");
        Assert.Equal(ErrorCode.None, partition.Append(bumped, out _, out _));
        byte[] fenced = RawBatches.Idempotent(producerId: 4242, epoch: 0, baseSequence: 3, "e");
        Assert.Equal(ErrorCode.InvalidProducerEpoch, partition.Append(fenced, out _, out _));
        _ = stale;
    }

    [Fact]
    public async Task Sequence_numbers_wrap_from_int_max_to_zero()
    {
        await using var broker = await InProcessBroker.StartAsync();
        await broker.CreateTopicAsync("wrap");
        var partition = broker.Broker.Logs.Get("wrap", 0)!;
        Assert.Equal(ErrorCode.None, partition.Append(RawBatches.Idempotent(7, 0, int.MaxValue - 1, "a", "b"), out _, out _));
        Assert.Equal(ErrorCode.None, partition.Append(RawBatches.Idempotent(7, 0, 0, "c"), out long offset, out _));
        Assert.Equal(2, offset);
        Assert.Equal(ErrorCode.None, partition.Append(RawBatches.Idempotent(7, 0, 0, "c"), out long duplicate, out _));
        Assert.Equal(2, duplicate);
        Assert.Equal(3, partition.HighWatermark);
    }
}
