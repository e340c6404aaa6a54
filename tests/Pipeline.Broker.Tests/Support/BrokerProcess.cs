using System.Net;
using System.Net.Sockets;
using Pipeline.Testing;

namespace Pipeline.Broker.Tests;

/// <summary>The broker in a separate process on a fixed port, so it can be killed -9 and restarted on the same data.</summary>
public sealed class BrokerProcess : IAsyncDisposable
{
    private readonly string[] _extraArgs;
    public string DataDir { get; }
    public int Port { get; }
    public ChildProcess? Process { get; private set; }
    public string BootstrapServers => $"127.0.0.1:{Port}";

    private BrokerProcess(string dataDir, int port, string[] extraArgs)
    {
        DataDir = dataDir;
        Port = port;
        _extraArgs = extraArgs;
    }

    public static async Task<BrokerProcess> StartAsync(string dataDir, params string[] extraArgs)
    {
        var broker = new BrokerProcess(dataDir, FreePort(), extraArgs);
        await broker.RestartAsync();
        return broker;
    }

    public static int FreePort()
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)s.LocalEndPoint!).Port;
    }

    public async Task RestartAsync()
    {
        if (Process is { HasExited: false })
            throw new InvalidOperationException("broker still running");
        Process?.Dispose();
        Process = TestHost.Start(["broker", "--port", Port.ToString(), "--data-dir", DataDir, .. _extraArgs]);
        await Process.WaitForLineAsync(l => l.StartsWith("LISTENING "), TimeSpan.FromSeconds(30), "the broker to listen");
    }

    public void Kill() => Process?.Kill();

    public Task StopAsync() => Process?.StopAsync(sigterm: false) ?? Task.CompletedTask;

    public ValueTask DisposeAsync()
    {
        Process?.Dispose();
        return ValueTask.CompletedTask;
    }
}
