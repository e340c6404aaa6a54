// Creates the catalog's topics that are missing, through the AdminClient: the same code path on any Kafka.
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Microsoft.Extensions.Logging;
using Pipeline.Plumbing.Errors;
using Pipeline.Plumbing.Topics;

namespace Pipeline.Plumbing.Kafka;

public static class TopicProvisioner
{
    /// <param name="minInsyncReplicas">min.insync.replicas of the topics created (null: the broker's default). With the
    /// producers' acks=all, a write then needs that many replicas: on 3 brokers, RF 3 and 2 survive one broker down.</param>
    public static async Task EnsureTopicsAsync(
        KafkaClientSettings settings,
        int partitions,
        short replicationFactor,
        ILogger logger,
        IEnumerable<TopicSpec>? topics = null,
        CancellationToken ct = default,
        short? minInsyncReplicas = null
    )
    {
        // librdkafka's own connection errors go to the log at debug level: an unreachable broker is reported once, below.
        using var admin = new AdminClientBuilder(settings.Admin("pipeline-admin"))
            .SetLogHandler((_, m) => logger.LogDebug("librdkafka {Facility}: {Message}", m.Facility, m.Message))
            .SetErrorHandler((_, e) => logger.LogDebug("librdkafka error: {Reason}", e.Reason))
            .Build();
        Metadata metadata;
        try
        {
            metadata = admin.GetMetadata(TimeSpan.FromSeconds(15));
        }
        catch (KafkaException e)
        {
            throw new DependencyUnreachableException(
                "Kafka",
                $"Kafka at {settings.BootstrapServers} is unreachable ({e.Error.Reason}); start the broker or fix Kafka:Bootstrap",
                e
            );
        }
        var wanted = (topics ?? TopicCatalog.All).ToList();
        var existing = metadata.Topics.Where(t => t.Error.Code == ErrorCode.NoError).ToDictionary(t => t.Topic);
        // Topics made earlier (by hand, or with other settings) are left as they are: say when they hold fewer replicas.
        foreach (var t in wanted)
            if (
                existing.TryGetValue(t.Name, out var meta)
                && meta.Partitions.Count > 0
                && meta.Partitions.Min(p => p.Replicas.Length) < replicationFactor
            )
                logger.LogWarning(
                    "Topic {Topic} exists with {Replicas} replica(s), fewer than Kafka:ReplicationFactor {Wanted}; "
                        + "it is not changed (raise it with kafka-reassign-partitions)",
                    t.Name,
                    meta.Partitions.Min(p => p.Replicas.Length),
                    replicationFactor
                );
        var missing = wanted.Where(t => !existing.ContainsKey(t.Name)).ToList();
        if (missing.Count == 0)
            return;
        try
        {
            await admin.CreateTopicsAsync(
                missing.Select(t => Specification(t, partitions, replicationFactor, minInsyncReplicas)),
                new CreateTopicsOptions { RequestTimeout = TimeSpan.FromSeconds(30) }
            );
        }
        catch (CreateTopicsException e)
        {
            var failed = e.Results.Where(r => r.Error.Code is not ErrorCode.NoError and not ErrorCode.TopicAlreadyExists).ToList();
            if (failed.Count > 0)
                throw new DependencyUnavailableException(
                    "could not create topics: " + string.Join("; ", failed.Select(r => $"{r.Topic}: {r.Error.Reason}"))
                );
        }
        logger.LogInformation("Created topics {Topics}", string.Join(", ", missing.Select(t => t.Name)));
    }

    /// <summary>What CreateTopics is asked for one catalog topic.</summary>
    public static TopicSpecification Specification(TopicSpec topic, int partitions, short replicationFactor, short? minInsyncReplicas)
    {
        var configs = topic.Configs();
        if (minInsyncReplicas is { } isr)
            configs["min.insync.replicas"] = isr.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return new TopicSpecification
        {
            Name = topic.Name,
            NumPartitions = topic.Partitions ?? partitions,
            ReplicationFactor = replicationFactor,
            Configs = configs,
        };
    }
}
