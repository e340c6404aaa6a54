// How far a consumer group has got: used to wait on a role's progress (it has committed all its input) instead of the clock.
using Confluent.Kafka;
using Pipeline.Plumbing.Kafka;

namespace Pipeline.Testing;

public static class ConsumerGroupProgress
{
    /// <summary>Whether <paramref name="group"/> has committed every record of <paramref name="topics"/>: on every partition
    /// its committed offset is at the high watermark (or the partition is empty). Transactional output of the same
    /// commit is then readable.</summary>
    public static bool HasConsumedAll(KafkaClientSettings settings, string group, IEnumerable<string> topics)
    {
        using var admin = new AdminClientBuilder(settings.Admin("test-group-progress-admin")).Build();
        var parts = topics
            .SelectMany(topic =>
                admin
                    .GetMetadata(topic, TimeSpan.FromSeconds(10))
                    .Topics.Single()
                    .Partitions.Select(p => new TopicPartition(topic, p.PartitionId))
            )
            .ToList();
        using var consumer = new ConsumerBuilder<byte[], byte[]>(settings.Consumer("test-group-progress", group)).Build();
        var committed = consumer.Committed(parts, TimeSpan.FromSeconds(10)).ToDictionary(x => x.TopicPartition, x => x.Offset.Value);
        return parts.All(p =>
            consumer.QueryWatermarkOffsets(p, TimeSpan.FromSeconds(10)).High.Value is var high && (high == 0 || committed[p] >= high)
        );
    }

    /// <summary>Runs <paramref name="role"/> until its consumer group has consumed all of <paramref name="topics"/>, then
    /// stops it; a role that fails meanwhile fails the wait at once.</summary>
    public static async Task RunUntilConsumedAsync(
        Func<CancellationToken, Task> role,
        KafkaClientSettings settings,
        string group,
        IEnumerable<string> topics,
        TimeSpan timeout,
        string what
    )
    {
        using var stop = new CancellationTokenSource();
        var run = Task.Run(() => role(stop.Token));
        await Eventually.TrueAsync(
            () => Task.Run(() => run.IsFaulted ? throw run.Exception! : HasConsumedAll(settings, group, topics)),
            timeout,
            what
        );
        await stop.CancelAsync();
        await run;
    }
}
