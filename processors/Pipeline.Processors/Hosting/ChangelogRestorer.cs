// Reads the changelog partitions of the assigned input partitions from the beginning (read_committed)
// and hands every record to the processor, before any input is processed.
using System.Diagnostics;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Pipeline.Plumbing.Kafka;

namespace Pipeline.Processors.Hosting;

public static class ChangelogRestorer
{
    public static int Restore(
        KafkaClientSettings kafka,
        string groupId,
        IReadOnlyCollection<int> partitions,
        MarketDataProcessor processor,
        ILogger log,
        CancellationToken ct
    )
    {
        if (partitions.Count == 0)
            return 0;
        var config = kafka.Consumer($"{groupId}-restore", $"{groupId}-restore");
        config.EnablePartitionEof = true;
        using var consumer = new ConsumerBuilder<byte[], byte[]?>(config).Build();
        var pending = new HashSet<TopicPartition>();
        var assign = new List<TopicPartitionOffset>();
        foreach (var topic in processor.Topology.Changelogs)
        foreach (var p in partitions)
        {
            var tp = new TopicPartition(topic, new Partition(p));
            var w = consumer.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(30));
            if (w.High.Value <= w.Low.Value)
                continue;
            pending.Add(tp);
            assign.Add(new TopicPartitionOffset(tp, Offset.Beginning));
        }
        if (assign.Count == 0)
            return 0;
        consumer.Assign(assign);
        var sw = Stopwatch.StartNew();
        var records = 0;
        // A partition is restored once the consumer stands at its end as the broker reports it now. EOF alone
        // is not enough with read_committed: it fires at the last stable offset, which on a real cluster can
        // still be before the previous owner's last commit while its markers are being written.
        var atEof = new HashSet<TopicPartition>();
        var sinceCheck = Stopwatch.StartNew();
        while (pending.Count > 0)
        {
            ct.ThrowIfCancellationRequested();
            if (sw.Elapsed > TimeSpan.FromMinutes(5))
                throw new TimeoutException(
                    $"restoring processor state did not reach the end of {string.Join(", ", pending)} within 5 minutes"
                );
            var cr = consumer.Consume(TimeSpan.FromMilliseconds(100));
            if (cr is not null && cr.IsPartitionEOF)
                atEof.Add(cr.TopicPartition);
            else if (cr is not null)
            {
                atEof.Remove(cr.TopicPartition);
                processor.Restore(cr.Topic, cr.Partition.Value, cr.Message.Key, cr.Message.Value);
                records++;
            }
            if (atEof.Count > 0 && (cr is null || cr.IsPartitionEOF || sinceCheck.ElapsedMilliseconds >= 100))
            {
                sinceCheck.Restart();
                foreach (var tp in atEof.ToList())
                    if (consumer.Position(tp).Value >= consumer.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(30)).High.Value)
                    {
                        pending.Remove(tp);
                        atEof.Remove(tp);
                    }
            }
        }
        consumer.Close();
        log.LogInformation(
            "Restored processor state of partitions {Partitions} from {Records} changelog records in {Ms} ms",
            string.Join(",", partitions.Order()),
            records,
            sw.ElapsedMilliseconds
        );
        return records;
    }
}
