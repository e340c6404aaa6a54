// The embedded Kafka of `pipeline up` and the tests: the stopgap mock cluster until the embedded broker lands.
using Pipeline.Plumbing.Topics;

namespace Pipeline.Embedded;

public sealed class EmbeddedKafka : IAsyncDisposable
{
    private readonly MockKafkaCluster? _mock;

    private EmbeddedKafka(MockKafkaCluster mock)
    {
        _mock = mock;
        BootstrapServers = mock.BootstrapServers;
        Kind = "librdkafka mock cluster (stopgap)";
    }

    public string BootstrapServers { get; }
    public string Kind { get; }
    /// <summary>True when the host creates the catalog topics itself (the mock cluster has no CreateTopics).</summary>
    public bool CreatesTopics => _mock is not null;

    public static Task<EmbeddedKafka> StartAsync(string dataDir, int port, int partitions, CancellationToken ct = default) =>
        Task.FromResult(new EmbeddedKafka(MockKafkaCluster.Start(1, partitions, TopicCatalog.All)));

    public ValueTask DisposeAsync()
    {
        _mock?.Dispose();
        return ValueTask.CompletedTask;
    }
}
