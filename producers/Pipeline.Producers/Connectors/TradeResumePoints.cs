// Where each listing's live stream stood before a restart: the newest live (or gap-filled) trade per instrument,
// read back from the tail of trades.raw, so the downtime is filled like any other gap.
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Pipeline.Plumbing.Kafka;
using Pipeline.Plumbing.Topics;
using Pipeline.Schemas.V1;

namespace Pipeline.Producers.Connectors;

public static class TradeResumePoints
{
    /// <summary>Reads up to <paramref name="tailPerPartition"/> of the newest records of every trades.raw partition and
    /// returns, per wanted instrument key, the trade with the highest id among those with origin LIVE or BACKFILL
    /// (imports and simulated trades are other streams and say nothing about where the live one stood).</summary>
    public static Dictionary<string, Trade> Load(KafkaClientSettings settings, IReadOnlyCollection<string> keys, ILogger log,
        int tailPerPartition = 20_000, CancellationToken ct = default)
    {
        var found = new Dictionary<string, Trade>();
        if (keys.Count == 0) return found;
        var topic = TopicCatalog.RawTrades.Name;
        var config = settings.Consumer("pipeline-producers-resume", "pipeline-producers-resume");
        config.EnablePartitionEof = true;
        using var consumer = new ConsumerBuilder<string, byte[]>(config).Build();
        using var admin = new AdminClientBuilder(settings.Admin("pipeline-producers-resume")).Build();
        var partitions = admin.GetMetadata(topic, TimeSpan.FromSeconds(15)).Topics.Single().Partitions
            .Select(p => new TopicPartition(topic, p.PartitionId)).ToList();
        var assignments = new List<TopicPartitionOffset>();
        foreach (var tp in partitions)
        {
            var marks = consumer.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(15));
            if (marks.High.Value <= marks.Low.Value) continue;
            assignments.Add(new TopicPartitionOffset(tp, Math.Max(marks.Low.Value, marks.High.Value - tailPerPartition)));
        }
        if (assignments.Count == 0) return found;
        consumer.Assign(assignments);
        var open = assignments.Select(a => a.Partition.Value).ToHashSet();
        while (open.Count > 0)
        {
            ct.ThrowIfCancellationRequested();
            var r = consumer.Consume(TimeSpan.FromSeconds(10));
            if (r is null) break; // nothing more arrives: the tail is read
            if (r.IsPartitionEOF) { open.Remove(r.Partition.Value); continue; }
            if (r.Message.Key is null || !keys.Contains(r.Message.Key) || MessageHeaders.TypeOf(r.Message.Headers) is { } type && type != Trade.Descriptor.FullName)
                continue;
            Trade trade;
            try { trade = ProtobufDeserializer<Trade>.Instance.Deserialize(r.Message.Value, false, default); }
            catch (Google.Protobuf.InvalidProtocolBufferException) { continue; }
            if (trade.Origin is not (Origin.Live or Origin.Backfill)) continue;
            if (!found.TryGetValue(r.Message.Key, out var best) || trade.TradeId > best.TradeId) found[r.Message.Key] = trade;
        }
        foreach (var (key, trade) in found)
            log.LogInformation("{Key}: resuming after trade {Id} at {Time:O} (from trades.raw)", key, trade.TradeId, DateTimeOffset.FromUnixTimeMilliseconds(trade.EventTimeUs / 1000));
        return found;
    }
}
