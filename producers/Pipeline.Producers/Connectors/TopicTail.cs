// Reads the newest records of every partition of a topic once (no consumer group, nothing committed): how a restarted
// producer finds where each of its streams stood.
using Confluent.Kafka;
using Pipeline.Plumbing.Kafka;

namespace Pipeline.Producers.Connectors;

internal static class TopicTail
{
    /// <summary>Hands every record among the last <paramref name="tailPerPartition"/> of each partition whose key is one
    /// of <paramref name="keys"/> to <paramref name="visit"/>, oldest first per partition.</summary>
    public static void Read(
        KafkaClientSettings settings,
        string topic,
        IReadOnlyCollection<string> keys,
        int tailPerPartition,
        Action<ConsumeResult<string, byte[]>> visit,
        CancellationToken ct
    )
    {
        if (keys.Count == 0)
            return;
        var config = settings.Consumer("pipeline-producers-resume", "pipeline-producers-resume");
        config.EnablePartitionEof = true;
        using var consumer = new ConsumerBuilder<string, byte[]>(config).Build();
        using var admin = new AdminClientBuilder(settings.Admin("pipeline-producers-resume")).Build();
        var partitions = admin
            .GetMetadata(topic, TimeSpan.FromSeconds(15))
            .Topics.Single()
            .Partitions.Select(p => new TopicPartition(topic, p.PartitionId))
            .ToList();
        var assignments = new List<TopicPartitionOffset>();
        foreach (var tp in partitions)
        {
            var marks = consumer.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(15));
            if (marks.High.Value <= marks.Low.Value)
                continue;
            assignments.Add(new TopicPartitionOffset(tp, Math.Max(marks.Low.Value, marks.High.Value - tailPerPartition)));
        }
        if (assignments.Count == 0)
            return;
        consumer.Assign(assignments);
        var open = assignments.Select(a => a.Partition.Value).ToHashSet();
        while (open.Count > 0)
        {
            ct.ThrowIfCancellationRequested();
            var r = consumer.Consume(TimeSpan.FromSeconds(10));
            if (r is null)
                break; // nothing more arrives: the tail is read
            if (r.IsPartitionEOF)
            {
                open.Remove(r.Partition.Value);
                continue;
            }
            if (r.Message.Key is not null && keys.Contains(r.Message.Key))
                visit(r);
        }
    }
}
