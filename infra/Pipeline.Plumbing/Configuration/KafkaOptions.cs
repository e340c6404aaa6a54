namespace Pipeline.Plumbing.Configuration;

public sealed class KafkaOptions
{
    /// <summary>Bootstrap servers of a real Kafka cluster. Empty: start the embedded broker.</summary>
    public string? Bootstrap { get; set; }

    /// <summary>Port of the embedded broker (0 picks a free one).</summary>
    public int EmbeddedPort { get; set; } = 9092;

    /// <summary>Partitions of each catalog topic when the pipeline creates it.</summary>
    public int Partitions { get; set; } = 6;

    /// <summary>Replicas of each catalog topic the pipeline creates (3 on a production cluster).</summary>
    public short ReplicationFactor { get; set; } = 1;

    /// <summary>min.insync.replicas of each topic the pipeline creates: with acks=all a write needs this many replicas.
    /// Null: the broker's default. On a 3-broker cluster with ReplicationFactor 3 use 2 (one broker may be down).</summary>
    public short? MinInsyncReplicas { get; set; }

    /// <summary>Extra librdkafka properties applied to every client (e.g. security settings).</summary>
    public Dictionary<string, string> Client { get; set; } = new();

    public bool UsesEmbeddedBroker => string.IsNullOrWhiteSpace(Bootstrap);
}
