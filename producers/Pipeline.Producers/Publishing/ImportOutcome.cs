// What became of the records an import published: how many the processor accepted and how many it dead-lettered
// (and why). Read after publishing from the processor group's committed offsets and the dead-letter topic, so
// `pipeline import` can say at its end whether its rows were accepted (issue 18: it said "Imported 20000 rows"
// while all of them were dead-lettered).
using Confluent.Kafka;
using Pipeline.Plumbing.Kafka;
using Pipeline.Plumbing.Topics;
using Pipeline.Schemas.V1;

namespace Pipeline.Producers.Publishing;

public sealed record ImportOutcome(long Published, long Processed, IReadOnlyDictionary<string, long> DeadLettersByReason)
{
    public long DeadLettered => DeadLettersByReason.Values.Sum();

    /// <summary>Processed and not dead-lettered.</summary>
    public long Accepted => Processed - DeadLettered;
    public bool Complete => Processed == Published;

    /// <summary>Waits up to <paramref name="wait"/> for the processor group to commit past every published record, then
    /// counts the dead letters whose source is one of them.</summary>
    /// <param name="since">When publishing started: dead letters older than this are not read.</param>
    /// <param name="marks">End-of-input marks among the published records (they share trades.raw, ADR 0007, and each is
    /// the last record of its instrument): processed like the rows, but not rows.</param>
    public static async Task<ImportOutcome> ReadAsync(
        KafkaClientSettings kafka,
        string processorGroup,
        IReadOnlyDictionary<TopicPartition, (long First, long Last)> published,
        DateTime since,
        TimeSpan wait,
        CancellationToken ct,
        long marks = 0
    )
    {
        var total = published.Values.Sum(r => r.Last - r.First + 1);
        if (total == 0)
            return new ImportOutcome(0, 0, new Dictionary<string, long>());
        long processed;
        using (var group = new ConsumerBuilder<byte[], byte[]>(kafka.Consumer("pipeline-import-outcome", processorGroup)).Build())
        {
            var deadline = DateTime.UtcNow + wait;
            while (true)
            {
                var committed = group
                    .Committed(published.Keys, TimeSpan.FromSeconds(10))
                    .ToDictionary(c => c.TopicPartition, c => c.Offset.Value);
                processed = published.Sum(p =>
                    Math.Clamp(committed.GetValueOrDefault(p.Key, -1) - p.Value.First, 0, p.Value.Last - p.Value.First + 1)
                );
                if (processed == total || DateTime.UtcNow >= deadline)
                    break;
                await Task.Delay(250, ct); // a poll interval while the processor catches up
            }
        }
        return new ImportOutcome(total - marks, Math.Min(processed, total - marks), CountDeadLetters(kafka, published, since, ct));
    }

    private static Dictionary<string, long> CountDeadLetters(
        KafkaClientSettings kafka,
        IReadOnlyDictionary<TopicPartition, (long First, long Last)> published,
        DateTime since,
        CancellationToken ct
    )
    {
        var reasons = new Dictionary<string, long>();
        var config = kafka.Consumer("pipeline-import-outcome", "pipeline-import-outcome");
        config.EnablePartitionEof = true; // the end of a transactional partition is a commit marker, not a record
        using var consumer = new ConsumerBuilder<byte[], byte[]>(config).Build();
        using var admin = new AdminClientBuilder(kafka.Admin("pipeline-import-outcome")).Build();
        var topic = admin.GetMetadata(TopicCatalog.DeadLetters.Name, TimeSpan.FromSeconds(10)).Topics.Single();
        var partitions = topic.Partitions.Select(p => new TopicPartition(TopicCatalog.DeadLetters.Name, p.PartitionId)).ToList();
        var sinceMs = new DateTimeOffset(since.AddSeconds(-5)).ToUnixTimeMilliseconds();
        var starts = consumer.OffsetsForTimes(
            partitions.Select(p => new TopicPartitionTimestamp(p, new Timestamp(sinceMs, TimestampType.CreateTime))),
            TimeSpan.FromSeconds(10)
        );
        var ends = partitions.ToDictionary(p => p, p => consumer.QueryWatermarkOffsets(p, TimeSpan.FromSeconds(10)).High.Value);
        var open = starts.Where(s => s.Offset.Value >= 0 && s.Offset.Value < ends[s.TopicPartition]).ToList();
        if (open.Count == 0)
            return reasons;
        consumer.Assign(open);
        var remaining = open.Select(o => o.TopicPartition).ToHashSet();
        while (remaining.Count > 0 && !ct.IsCancellationRequested)
        {
            var r = consumer.Consume(TimeSpan.FromSeconds(5));
            if (r is null)
                break;
            if (!r.IsPartitionEOF && r.Message?.Value is { } value)
            {
                var d = DeadLetter.Parser.ParseFrom(value);
                var source = new TopicPartition(d.SourceTopic, d.SourcePartition);
                if (published.TryGetValue(source, out var range) && d.SourceOffset >= range.First && d.SourceOffset <= range.Last)
                    reasons[d.ReasonCode] = reasons.GetValueOrDefault(d.ReasonCode) + 1;
            }
            if (r.IsPartitionEOF || r.Offset.Value + 1 >= ends[r.TopicPartition])
                remaining.Remove(r.TopicPartition);
        }
        return reasons;
    }
}
