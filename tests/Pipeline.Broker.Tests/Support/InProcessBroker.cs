namespace Pipeline.Broker.Tests;

/// <summary>A broker inside the test process on a free port with its own data directory: the fast default fixture.</summary>
public sealed class InProcessBroker : IAsyncDisposable
{
    private readonly TestDirectory _dir = new();
    public KafkaBroker Broker { get; private set; } = null!;
    public string BootstrapServers => Broker.BootstrapServers;
    public string DataDir => _dir.Path;
    public BrokerOptions Options { get; }

    private InProcessBroker(Action<BrokerOptions>? configure)
    {
        Options = new BrokerOptions { Port = 0, DataDir = _dir.Path };
        configure?.Invoke(Options);
    }

    public static async Task<InProcessBroker> StartAsync(Action<BrokerOptions>? configure = null)
    {
        Librdkafka.EnsureLoaded();
        var b = new InProcessBroker(configure);
        b.Broker = await KafkaBroker.StartAsync(b.Options);
        return b;
    }

    /// <summary>Stops and starts again on the same data directory and port (a clean restart).</summary>
    public async Task RestartAsync()
    {
        int port = Broker.Port;
        await Broker.StopAsync();
        Options.Port = port;
        Broker = await KafkaBroker.StartAsync(Options);
    }

    public Task CreateTopicAsync(string name, int partitions = 1, Dictionary<string, string>? configs = null) =>
        Clients.CreateTopicAsync(BootstrapServers, name, partitions, configs);

    public async ValueTask DisposeAsync()
    {
        await Broker.StopAsync();
        _dir.Dispose();
    }
}
