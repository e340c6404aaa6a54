// TimescaleDB for tests: npm's PGlite build with the extension (installed by infra/setup/setup.sh), served over the
// PostgreSQL wire protocol by pglite-socket in a node process of its own. The only TimescaleDB that runs here.
using System.Globalization;
using Pipeline.Testing;

namespace Pipeline.Production.Tests;

public sealed class PgliteTimescale : IAsyncDisposable
{
    private readonly ChildProcess _node;

    private PgliteTimescale(ChildProcess node, int port, string versions)
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
        var node = ChildProcess.StartProgram(
            "node",
            [Path.Combine(AppContext.BaseDirectory, "Fixtures", "pglite-timescaledb.cjs"), port.ToString(CultureInfo.InvariantCulture)],
            new Dictionary<string, string?> { ["NODE_PATH"] = modules }
        );
        try
        {
            var line = await node.WaitForLineAsync(
                l => l.StartsWith("LISTENING ", StringComparison.Ordinal),
                TimeSpan.FromSeconds(90),
                "PGlite with TimescaleDB to listen"
            );
            return new PgliteTimescale(node, port, line[(line.IndexOf(' ', "LISTENING ".Length) + 1)..]);
        }
        catch
        {
            node.Dispose();
            throw;
        }
    }

    public ValueTask DisposeAsync()
    {
        _node.Dispose();
        return ValueTask.CompletedTask;
    }
}
