// Consumer lag per group and partition (high watermark minus the consumer's position), read at scrape time.
using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Confluent.Kafka;

namespace Pipeline.Plumbing.Metrics;

public static class ConsumerLagMetrics
{
    private static readonly Meter Meter = new("Pipeline.Kafka");
    private static readonly ConcurrentDictionary<
        object,
        (Func<List<TopicPartition>> Assignment, Func<TopicPartition, long> Lag, string Group)
    > Tracked = new();

    static ConsumerLagMetrics()
    {
        Meter.CreateObservableGauge(
            "pipeline.consumer.lag",
            Observe,
            "{record}",
            "Records in the partition after the consumer's position (high watermark minus position), by group, topic and partition"
        );
    }

    /// <summary>Reports <paramref name="consumer"/>'s lag until the returned handle is disposed. Uses only the client's cached
    /// watermarks (updated by its fetches), so a scrape costs no broker round trip.</summary>
    public static IDisposable Track<TKey, TValue>(IConsumer<TKey, TValue> consumer, string group)
    {
        Tracked[consumer] = (
            () => consumer.Assignment,
            tp =>
            {
                var high = consumer.GetWatermarkOffsets(tp).High;
                var position = consumer.Position(tp);
                return high == Offset.Unset || position == Offset.Unset ? -1 : Math.Max(0, high.Value - position.Value);
            },
            group
        );
        return new Untrack(consumer);
    }

    private sealed class Untrack(object consumer) : IDisposable
    {
        public void Dispose() => Tracked.TryRemove(consumer, out _);
    }

    private static IEnumerable<Measurement<long>> Observe()
    {
        var measurements = new List<Measurement<long>>();
        foreach (var (key, (assignment, lag, group)) in Tracked)
        {
            try
            {
                foreach (var tp in assignment())
                {
                    var value = lag(tp);
                    if (value < 0)
                        continue; // nothing fetched yet from this partition
                    measurements.Add(
                        new Measurement<long>(value, new("group", group), new("topic", tp.Topic), new("partition", tp.Partition.Value))
                    );
                }
            }
            catch (ObjectDisposedException)
            {
                Tracked.TryRemove(key, out _); // closed without untracking (a crash path)
            }
            catch (KafkaException)
            {
                // A consumer between assignments has no positions to tell; the next scrape will.
            }
        }
        return measurements;
    }
}
