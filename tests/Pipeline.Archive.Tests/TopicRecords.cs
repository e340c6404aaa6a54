// Reads every committed record of a topic (read_committed, from the start to the end offsets at call time), with headers.
using Confluent.Kafka;
using Pipeline.Plumbing.Kafka;

namespace Pipeline.Archive.Tests;

public static class TopicRecords
{
    public static List<ConsumeResult<byte[]?, byte[]?>> ReadAll(KafkaClientSettings kafka, string topic)
    {
        var config = kafka.Consumer("archive-tests-reader", $"archive-tests-{Guid.NewGuid():N}");
        config.EnablePartitionEof = true;
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(config).Build();
        using var admin = new AdminClientBuilder(kafka.Admin("archive-tests-admin")).Build();
        var partitions = admin.GetMetadata(topic, TimeSpan.FromSeconds(30)).Topics.Single().Partitions.Select(p => p.PartitionId).ToList();
        consumer.Assign(partitions.Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var open = partitions.ToHashSet();
        var records = new List<ConsumeResult<byte[]?, byte[]?>>();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (open.Count > 0 && DateTime.UtcNow < deadline)
        {
            var r = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (r is null)
                continue;
            if (r.IsPartitionEOF)
                open.Remove(r.Partition.Value);
            else
                records.Add(r);
        }
        if (open.Count > 0)
            throw new TimeoutException($"{topic}: partitions {string.Join(",", open)} not read to the end");
        return records;
    }

    /// <summary>The committed offset of a group on one partition, or null.</summary>
    public static long? Committed(KafkaClientSettings kafka, string group, string topic, int partition)
    {
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(kafka.Consumer("archive-tests-progress", group)).Build();
        var o = consumer.Committed([new TopicPartition(topic, partition)], TimeSpan.FromSeconds(30)).Single().Offset;
        return o.IsSpecial ? null : o.Value;
    }
}
