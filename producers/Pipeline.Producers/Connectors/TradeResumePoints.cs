// Where each listing's live stream stood before a restart: the newest live (or gap-filled) trade per instrument,
// read back from the tail of trades.raw, so the downtime is filled like any other gap.
using Microsoft.Extensions.Logging;
using Pipeline.Plumbing.Kafka;
using Pipeline.Plumbing.Serialization;
using Pipeline.Plumbing.Topics;
using Pipeline.Schemas.V1;

namespace Pipeline.Producers.Connectors;

public static class TradeResumePoints
{
    /// <summary>Reads up to <paramref name="tailPerPartition"/> of the newest records of every trades.raw partition and
    /// returns, per wanted instrument key, the trade with the highest id among those with origin LIVE or BACKFILL
    /// (imports and simulated trades are other streams and say nothing about where the live one stood).</summary>
    public static Dictionary<string, Trade> Load(
        KafkaClientSettings settings,
        IReadOnlyCollection<string> keys,
        ILogger log,
        int tailPerPartition = 20_000,
        CancellationToken ct = default
    )
    {
        var found = new Dictionary<string, Trade>();
        TopicTail.Read(
            settings,
            TopicCatalog.RawTrades.Name,
            keys,
            tailPerPartition,
            r =>
            {
                if (MessageHeaders.TypeOf(r.Message.Headers) is { } type && type != Trade.Descriptor.FullName)
                    return;
                Trade trade;
                try
                {
                    trade = ProtobufDeserializer<Trade>.Instance.Deserialize(r.Message.Value, false, default);
                }
                catch (Google.Protobuf.InvalidProtocolBufferException)
                {
                    return;
                }
                if (trade.Origin is not (Origin.Live or Origin.Backfill))
                    return;
                if (!found.TryGetValue(r.Message.Key, out var best) || trade.TradeId > best.TradeId)
                    found[r.Message.Key] = trade;
            },
            ct
        );
        foreach (var (key, trade) in found)
            log.LogInformation(
                "{Key}: resuming after trade {Id} at {Time:O} (from trades.raw)",
                key,
                trade.TradeId,
                DateTimeOffset.FromUnixTimeMilliseconds(trade.EventTimeUs / 1000)
            );
        return found;
    }
}
