// An embedded Kafka of its own for one test (cheap to start), with the catalog topics created.
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Embedded;
using Pipeline.Plumbing.Kafka;

namespace Pipeline.Testing;

public sealed class TestKafka : IAsyncDisposable
{
    private readonly EmbeddedKafka _kafka;

    private TestKafka(EmbeddedKafka kafka, KafkaClientSettings settings)
    {
        _kafka = kafka;
        Settings = settings;
    }

    public KafkaClientSettings Settings { get; }
    public string BootstrapServers => Settings.BootstrapServers;

    public static async Task<TestKafka> StartAsync(int partitions = 3)
    {
        LibrdkafkaLoader.EnsureLoaded();
        var kafka = await EmbeddedKafka.StartAsync(TestDirectories.Create("broker"), 0, partitions);
        var settings = new KafkaClientSettings(kafka.BootstrapServers);
        await TopicProvisioner.EnsureTopicsAsync(settings, partitions, 1, NullLogger.Instance);
        return new TestKafka(kafka, settings);
    }

    public ValueTask DisposeAsync() => _kafka.DisposeAsync();
}
