// Builds Confluent.Kafka client configs from the one Kafka options model, with the pipeline's defaults.
using Confluent.Kafka;
using Pipeline.Plumbing.Configuration;
using Pipeline.Plumbing.Errors;

namespace Pipeline.Plumbing.Kafka;

public sealed class KafkaClientSettings(string bootstrapServers, IReadOnlyDictionary<string, string>? extra = null)
{
    public string BootstrapServers { get; } = bootstrapServers;

    public static KafkaClientSettings From(KafkaOptions options, string? embeddedBootstrap = null) =>
        new(
            options.UsesEmbeddedBroker
                ? embeddedBootstrap
                    ?? throw new PipelineConfigurationException([
                        "configuration: no Kafka bootstrap: configure Kafka:Bootstrap or start the embedded broker",
                    ])
                : options.Bootstrap!,
            options.Client
        );

    private void Apply(ClientConfig config, string clientId)
    {
        config.BootstrapServers = BootstrapServers;
        config.ClientId = clientId;
        config.SocketKeepaliveEnable = true;
        if (extra is not null)
            foreach (var (k, v) in extra)
                config.Set(k, v);
    }

    /// <summary>An idempotent producer: acks=all, no duplicates or reordering on retries.</summary>
    public ProducerConfig Producer(string clientId, string? transactionalId = null)
    {
        var config = new ProducerConfig
        {
            EnableIdempotence = true,
            Acks = Acks.All,
            LingerMs = 5,
            CompressionType = CompressionType.Lz4,
            BatchSize = 1_000_000,
            TransactionalId = transactionalId,
        };
        if (transactionalId is not null)
            config.TransactionTimeoutMs = 60_000;
        Apply(config, clientId);
        return config;
    }

    /// <summary>A consumer that reads only committed data and commits nothing by itself.</summary>
    public ConsumerConfig Consumer(string clientId, string groupId)
    {
        var config = new ConsumerConfig
        {
            GroupId = groupId,
            IsolationLevel = IsolationLevel.ReadCommitted,
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            PartitionAssignmentStrategy = PartitionAssignmentStrategy.CooperativeSticky,
            FetchWaitMaxMs = 50,
            SessionTimeoutMs = 10_000,
            HeartbeatIntervalMs = 1_000,
        };
        config.Set("fetch.queue.backoff.ms", "10");
        Apply(config, clientId);
        return config;
    }

    public AdminClientConfig Admin(string clientId)
    {
        var config = new AdminClientConfig();
        Apply(config, clientId);
        return config;
    }
}
