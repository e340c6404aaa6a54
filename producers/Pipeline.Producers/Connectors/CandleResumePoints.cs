// Where each polled listing stood before a restart: its newest venue bar of the polled interval, read back from the tail
// of candles.exchange.raw, so a restarted poller continues after it (no bar twice, the downtime's bars fetched).
using Microsoft.Extensions.Logging;
using Pipeline.Plumbing.Kafka;
using Pipeline.Plumbing.Topics;
using Pipeline.Schemas.V1;

namespace Pipeline.Producers.Connectors;

public static class CandleResumePoints
{
    /// <summary>Per wanted instrument key, the open time of its newest candle of <paramref name="interval"/> among the last
    /// <paramref name="tailPerPartition"/> records of every candles.exchange.raw partition.</summary>
    public static Dictionary<string, long> Load(
        KafkaClientSettings settings,
        IReadOnlyCollection<string> keys,
        string interval,
        ILogger log,
        int tailPerPartition = 20_000,
        CancellationToken ct = default
    )
    {
        var found = new Dictionary<string, long>();
        TopicTail.Read(
            settings,
            TopicCatalog.RawExchangeCandles.Name,
            keys,
            tailPerPartition,
            r =>
            {
                Candle candle;
                try
                {
                    candle = ProtobufDeserializer<Candle>.Instance.Deserialize(r.Message.Value, false, default);
                }
                catch (Google.Protobuf.InvalidProtocolBufferException)
                {
                    return;
                }
                if (candle.Interval != interval)
                    return;
                if (!found.TryGetValue(r.Message.Key, out var newest) || candle.OpenTimeUs > newest)
                    found[r.Message.Key] = candle.OpenTimeUs;
            },
            ct
        );
        foreach (var (key, openUs) in found)
            log.LogInformation(
                "{Key}: resuming polling after the {Interval} bar of {Time:O} (from candles.exchange.raw)",
                key,
                interval,
                DateTimeOffset.FromUnixTimeMilliseconds(openUs / 1000)
            );
        return found;
    }
}
