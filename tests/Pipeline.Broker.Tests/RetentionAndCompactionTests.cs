using Confluent.Kafka;

namespace Pipeline.Broker.Tests;

/// <summary>Scenario 10: time and size retention delete whole old segments; compaction keeps the latest per key.</summary>
public sealed class RetentionAndCompactionTests
{
    private static void ProduceBatches(
        string bootstrap,
        string topic,
        int batches,
        Func<int, (string Key, string? Value, DateTime? Time)> record,
        int perBatch = 10
    )
    {
        using var producer = Clients.Producer(bootstrap, c => c.LingerMs = 1000);
        int n = 0;
        for (int b = 0; b < batches; b++)
        {
            for (int i = 0; i < perBatch; i++, n++)
            {
                var (key, value, time) = record(n);
                producer.Produce(
                    topic,
                    new Message<string, string>
                    {
                        Key = key,
                        Value = value!,
                        Timestamp = time is { } t ? new Timestamp(t) : Timestamp.Default,
                    }
                );
            }
            producer.Flush();
        }
    }

    /// <summary>Reads partition 0 of a compacted topic from its beginning; tombstones come back as null values.</summary>
    private static IConsumer<string, string?> TombstoneReader(string bootstrap, string topic)
    {
        var consumer = new ConsumerBuilder<string, string?>(
            new ConsumerConfig
            {
                BootstrapServers = bootstrap,
                GroupId = "r",
                EnablePartitionEof = true,
                AutoOffsetReset = AutoOffsetReset.Earliest,
            }
        ).Build();
        consumer.Assign(new TopicPartitionOffset(topic, 0, Offset.Beginning));
        return consumer;
    }

    [Fact]
    public async Task Size_retention_deletes_the_oldest_segments()
    {
        await using var broker = await InProcessBroker.StartAsync();
        await broker.CreateTopicAsync("bounded", 1, new() { ["segment.bytes"] = "2000", ["retention.bytes"] = "6000" });
        ProduceBatches(broker.BootstrapServers, "bounded", 40, i => ("k", new string('x', 50) + i, null));
        var log = broker.Broker.Logs.Get("bounded", 0)!;
        Assert.True(log.SegmentCount > 5);

        broker.Broker.RunCleanerNow();
        Assert.True(log.SizeBytes <= 6000 + 2000, $"size {log.SizeBytes}");
        using var consumer = Clients.Consumer(broker.BootstrapServers, "r");
        var low = consumer.QueryWatermarkOffsets(new TopicPartition("bounded", 0), TimeSpan.FromSeconds(10)).Low.Value;
        Assert.True(low > 0);
        var read = Clients.ReadAll(consumer, "bounded", 1, minCount: 1);
        Assert.Equal(low, read[0].Offset); // consumers start at the new log start
        Assert.Equal(399, read[^1].Offset);
    }

    [Fact]
    public async Task Time_retention_deletes_segments_whose_records_are_all_older_than_retention_ms()
    {
        await using var broker = await InProcessBroker.StartAsync();
        await broker.CreateTopicAsync("aging", 1, new() { ["segment.bytes"] = "1500", ["retention.ms"] = "600000" });
        var old = DateTime.UtcNow.AddHours(-2);
        ProduceBatches(broker.BootstrapServers, "aging", 10, i => ("k", "old-" + i, old.AddSeconds(i)));
        ProduceBatches(broker.BootstrapServers, "aging", 10, i => ("k", "new-" + i, DateTime.UtcNow));

        broker.Broker.RunCleanerNow();
        using var consumer = Clients.Consumer(broker.BootstrapServers, "r");
        var read = Clients.ReadAll(consumer, "aging", 1, minCount: 100);
        Assert.Equal(100, read.Count(r => r.Value.StartsWith("new-")));
        // Segments holding only old records are gone; old records sharing a segment with new ones stay (as in Kafka).
        Assert.True(read[0].Offset > 0, "no segment was deleted");
        Assert.True(read[0].Value.StartsWith("old-") ? read.Count(r => r.Value.StartsWith("old-")) < 100 : read[0].Offset == 100);
    }

    [Fact]
    public async Task Time_retention_also_removes_an_expired_active_segment_of_a_quiet_topic()
    {
        await using var broker = await InProcessBroker.StartAsync();
        await broker.CreateTopicAsync("quiet", 1, new() { ["retention.ms"] = "600000" });
        var old = DateTime.UtcNow.AddHours(-2);
        ProduceBatches(broker.BootstrapServers, "quiet", 2, i => ("k", "old-" + i, old.AddSeconds(i)));

        broker.Broker.RunCleanerNow();
        var log = broker.Broker.Logs.Get("quiet", 0)!;
        Assert.Equal(20, log.LogStartOffset);
        Assert.Equal(20, log.HighWatermark);
        using var producer = Clients.Producer(broker.BootstrapServers);
        var delivered = await producer.ProduceAsync("quiet", new Message<string, string> { Key = "k", Value = "fresh" });
        Assert.Equal(20, delivered.Offset.Value);
    }

    [Fact]
    public async Task Segments_roll_by_segment_ms_in_record_time()
    {
        await using var broker = await InProcessBroker.StartAsync();
        await broker.CreateTopicAsync("rolling", 1, new() { ["segment.ms"] = "60000" });
        var t0 = DateTime.UtcNow.AddHours(-1);
        // Ten batches a minute and a half apart in record time: each starts a new segment.
        ProduceBatches(broker.BootstrapServers, "rolling", 10, i => ("k", "v" + i, t0.AddSeconds(90 * (i / 10))));
        Assert.Equal(10, broker.Broker.Logs.Get("rolling", 0)!.SegmentCount);
    }

    [Fact]
    public async Task Compacted_topic_keeps_the_latest_record_per_key()
    {
        await using var broker = await InProcessBroker.StartAsync();
        await broker.CreateTopicAsync("latest", 1, new() { ["cleanup.policy"] = "compact", ["segment.bytes"] = "1200" });
        // 30 rounds over 5 keys; k4 ends with a tombstone.
        ProduceBatches(
            broker.BootstrapServers,
            "latest",
            30,
            i => ($"k{i % 5}", i >= 145 && i % 5 == 4 ? null : $"k{i % 5}@{i / 5}", (DateTime?)null),
            perBatch: 5
        );

        broker.Broker.RunCleanerNow();
        using var consumer = TombstoneReader(broker.BootstrapServers, "latest");
        var read = (await Clients.ReadToEndAsync(consumer)).Select(r => (Offset: r.Offset.Value, r.Message.Key, r.Message.Value)).ToList();
        Assert.True(read.Count < 150 / 2, $"only {150 - read.Count} of 150 records were compacted away");
        Assert.Equal(read.OrderBy(r => r.Offset).Select(r => r.Offset), read.Select(r => r.Offset)); // offsets kept, in order
        for (int k = 0; k < 4; k++)
            Assert.Equal($"k{k}@29", read.Last(r => r.Key == $"k{k}").Value);
        Assert.Null(read.Last(r => r.Key == "k4").Value);
        // Below the active segment each key appears once at most.
        long activeBase = read.Max(r => r.Offset) - 10;
        var closed = read.Where(r => r.Offset < activeBase - 20).GroupBy(r => r.Key);
        Assert.All(closed, g => Assert.Single(g));
    }

    [Fact]
    public async Task Compaction_drops_tombstones_older_than_delete_retention_ms()
    {
        await using var broker = await InProcessBroker.StartAsync();
        await broker.CreateTopicAsync(
            "forget",
            1,
            new()
            {
                ["cleanup.policy"] = "compact",
                ["segment.bytes"] = "600",
                ["delete.retention.ms"] = "60000",
            }
        );
        var old = DateTime.UtcNow.AddHours(-1);
        // k0 and k1 written then deleted an hour ago (record time); k2 deleted just now; then filler to close the segments.
        ProduceBatches(broker.BootstrapServers, "forget", 1, i => ($"k{i}", "v", (DateTime?)old), perBatch: 3);
        ProduceBatches(broker.BootstrapServers, "forget", 1, i => ($"k{i}", null, (DateTime?)old), perBatch: 2);
        ProduceBatches(broker.BootstrapServers, "forget", 1, i => ("k2", null, (DateTime?)null), perBatch: 1);
        ProduceBatches(broker.BootstrapServers, "forget", 10, i => ($"filler{i}", "x", (DateTime?)null), perBatch: 5);

        broker.Broker.RunCleanerNow();
        using var consumer = TombstoneReader(broker.BootstrapServers, "forget");
        var keys = (await Clients.ReadToEndAsync(consumer)).Select(r => (r.Message.Key, r.Message.Value)).ToList();
        Assert.DoesNotContain(keys, k => k.Key is "k0" or "k1"); // values superseded, old tombstones expired
        Assert.Contains(keys, k => k.Key == "k2" && k.Value is null); // a recent tombstone stays
    }
}
