// TimescaleDB for tests: npm's PGlite build with the extension (installed by infra/setup/setup.sh), served over the
// PostgreSQL wire protocol by pglite-socket in a node process of its own. The only TimescaleDB that runs here.
using System.Collections.Concurrent;
using System.Diagnostics;

namespace Pipeline.Production.Tests;

public sealed class PgliteTimescale : IAsyncDisposable
{
    private readonly Process _node;

    private PgliteTimescale(Process node, int port, string versions)
    {
        _node = node;
        Port = port;
        Versions = versions;
    }

    public int Port { get; }

    /// <summary>"postgres=… timescaledb=…" as the server reported them.</summary>
    public string Versions { get; }

    public static async Task<PgliteTimescale> StartAsync()
    {
        var cache =
            Environment.GetEnvironmentVariable("PIPELINE_CACHE")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "pipeline");
        var modules = Path.Combine(cache, "pglite-timescaledb", "node_modules");
        if (!File.Exists(Path.Combine(modules, "@electric-sql", "pglite", "dist", "timescaledb.tar.gz")))
            throw new InvalidOperationException($"PGlite with TimescaleDB is not installed under {modules}; run `make setup`");
        var port = Pipeline.Embedded.FreePort.Next();
        var psi = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Fixtures", "pglite-timescaledb.cjs"));
        psi.ArgumentList.Add(port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        psi.Environment["NODE_PATH"] = modules;
        var node = Process.Start(psi) ?? throw new InvalidOperationException("could not start node");
        var lines = new ConcurrentQueue<string>();
        var listening = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        node.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
                return;
            lines.Enqueue(e.Data);
            if (e.Data.StartsWith("LISTENING ", StringComparison.Ordinal))
                listening.TrySetResult(e.Data);
        };
        node.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
                lines.Enqueue(e.Data);
        };
        node.BeginOutputReadLine();
        node.BeginErrorReadLine();
        var exited = node.WaitForExitAsync();
        var first = await Task.WhenAny(listening.Task, exited, Task.Delay(TimeSpan.FromSeconds(90)));
        if (first != listening.Task)
        {
            if (!node.HasExited)
                node.Kill(entireProcessTree: true);
            node.Dispose();
            throw new InvalidOperationException(
                $"PGlite with TimescaleDB did not start listening:\n{string.Join("\n", lines.TakeLast(20))}"
            );
        }
        var line = await listening.Task;
        return new PgliteTimescale(node, port, line[(line.IndexOf(' ', "LISTENING ".Length) + 1)..]);
    }

    public ValueTask DisposeAsync()
    {
        if (!_node.HasExited)
            _node.Kill(entireProcessTree: true);
        _node.WaitForExit(10_000);
        _node.Dispose();
        return ValueTask.CompletedTask;
    }
}
