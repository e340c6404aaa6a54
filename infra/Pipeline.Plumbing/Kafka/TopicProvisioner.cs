// Creates the catalog's topics that are missing, through the AdminClient: the same code path on any Kafka.
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Microsoft.Extensions.Logging;
using Pipeline.Plumbing.Topics;

namespace Pipeline.Plumbing.Kafka;

public static class TopicProvisioner
{
    public static async Task EnsureTopicsAsync(KafkaClientSettings settings, int partitions, short replicationFactor,
        ILogger logger, IEnumerable<TopicSpec>? topics = null, CancellationToken ct = default)
    {
        // librdkafka's own connection errors go to the log at debug level: an unreachable broker is reported once, below.
        using var admin = new AdminClientBuilder(settings.Admin("pipeline-admin"))
            .SetLogHandler((_, m) => logger.LogDebug("librdkafka {Facility}: {Message}", m.Facility, m.Message))
            .SetErrorHandler((_, e) => logger.LogDebug("librdkafka error: {Reason}", e.Reason))
            .Build();
        Metadata metadata;
        try { metadata = admin.GetMetadata(TimeSpan.FromSeconds(15)); }
        catch (KafkaException e)
        {
            throw new DependencyUnreachableException("Kafka",
                $"Kafka at {settings.BootstrapServers} is unreachable ({e.Error.Reason}); start the broker or fix Kafka:Bootstrap", e);
        }
        var existing = metadata.Topics.Where(t => t.Error.Code == ErrorCode.NoError).Select(t => t.Topic).ToHashSet();
        var missing = (topics ?? TopicCatalog.All).Where(t => !existing.Contains(t.Name)).ToList();
        if (missing.Count == 0) return;
        try
        {
            await admin.CreateTopicsAsync(missing.Select(t => new TopicSpecification
            {
                Name = t.Name,
                NumPartitions = t.Partitions ?? partitions,
                ReplicationFactor = replicationFactor,
                Configs = t.Configs(),
            }), new CreateTopicsOptions { RequestTimeout = TimeSpan.FromSeconds(30) });
        }
        catch (CreateTopicsException e)
        {
            var failed = e.Results.Where(r => r.Error.Code is not ErrorCode.NoError and not ErrorCode.TopicAlreadyExists).ToList();
            if (failed.Count > 0)
                throw new InvalidOperationException("could not create topics: " + string.Join("; ", failed.Select(r => $"{r.Topic}: {r.Error.Reason}")));
        }
        logger.LogInformation("Created topics {Topics}", string.Join(", ", missing.Select(t => t.Name)));
    }
}
