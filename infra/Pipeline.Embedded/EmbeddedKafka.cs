// The embedded Kafka of `pipeline up`, `pipeline broker` and the tests: our single-node Kafka-compatible broker.
using Microsoft.Extensions.Logging;
using Pipeline.Broker;
using Pipeline.Plumbing.Configuration;
using Pipeline.Plumbing.Errors;

namespace Pipeline.Embedded;

public sealed class EmbeddedKafka : IAsyncDisposable
{
    private readonly KafkaBroker _broker;

    private EmbeddedKafka(KafkaBroker broker) => _broker = broker;

    public string BootstrapServers => _broker.BootstrapServers;

    /// <summary>Starts the broker on 127.0.0.1 (port 0 picks a free one) with its log in <paramref name="dataDir"/>.
    /// Topics are not auto-created: the pipeline creates them through the AdminClient, as on a real cluster.</summary>
    public static async Task<EmbeddedKafka> StartAsync(
        string dataDir,
        int port,
        int partitions,
        ILoggerFactory? loggers = null,
        bool autoCreateTopics = false,
        CancellationToken ct = default
    )
    {
        try
        {
            var broker = await KafkaBroker.StartAsync(
                new BrokerOptions
                {
                    Port = port,
                    DataDir = dataDir,
                    DefaultPartitions = partitions,
                    AutoCreateTopics = autoCreateTopics,
                },
                loggers,
                ct
            );
            return new EmbeddedKafka(broker);
        }
        catch (DataDirectoryInUseException e)
        {
            throw new InvalidRequestException(e.Message, e);
        }
        catch (System.Net.Sockets.SocketException e) when (e.SocketErrorCode == System.Net.Sockets.SocketError.AddressAlreadyInUse)
        {
            throw new PipelineConfigurationException([
                $"configuration: port {port} on 127.0.0.1 is already in use; stop what listens there or set Kafka:EmbeddedPort "
                    + "(PIPELINE__KAFKA__EMBEDDEDPORT, 0 picks a free port)",
            ]);
        }
    }

    public ValueTask DisposeAsync() => _broker.DisposeAsync();
}
