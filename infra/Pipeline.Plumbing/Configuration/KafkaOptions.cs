namespace Pipeline.Plumbing.Configuration;

public sealed class KafkaOptions
{
    /// <summary>Bootstrap servers of a real Kafka cluster. Empty: start the embedded broker.</summary>
    public string? Bootstrap { get; set; }
    /// <summary>Port of the embedded broker (0 picks a free one).</summary>
    public int EmbeddedPort { get; set; } = 9092;
    /// <summary>Partitions of each catalog topic when the pipeline creates it.</summary>
    public int Partitions { get; set; } = 6;
    public short ReplicationFactor { get; set; } = 1;
    /// <summary>Extra librdkafka properties applied to every client (e.g. security settings).</summary>
    public Dictionary<string, string> Client { get; set; } = new();

    public bool UsesEmbeddedBroker => string.IsNullOrWhiteSpace(Bootstrap);
}
