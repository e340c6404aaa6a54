using System.Diagnostics;

namespace Pipeline.Benchmarks.Broker;

/// <summary>
/// The embedded broker in its own process (the Release build of tests/Pipeline.Broker.Tests.Host), so the
/// benchmark's clients and the broker do not share a runtime, as with a real broker.
/// </summary>
internal sealed class BrokerHostProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _dataDir;
    public string BootstrapServers { get; }

    private BrokerHostProcess(Process process, string bootstrap, string dataDir)
    {
        _process = process;
        BootstrapServers = bootstrap;
        _dataDir = dataDir;
    }

    private static string RepoRoot()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            var dir = new DirectoryInfo(start);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "pipeline.sln")))
                dir = dir.Parent;
            if (dir is not null)
                return dir.FullName;
        }
        throw new InvalidOperationException("cannot find the repository root (pipeline.sln)");
    }

    public static async Task<BrokerHostProcess> StartAsync(CancellationToken ct)
    {
        var root = RepoRoot();
        var project = Path.Combine(root, "tests", "Pipeline.Broker.Tests.Host");
        var dll = Path.Combine(project, "bin", "Release", "net10.0", "Pipeline.Broker.Tests.Host.dll");
        var build = Process.Start(
            new ProcessStartInfo("dotnet", ["build", project, "-c", "Release", "-v", "q", "-nologo"]) { RedirectStandardOutput = true }
        )!;
        await build.StandardOutput.ReadToEndAsync(ct);
        await build.WaitForExitAsync(ct);
        if (build.ExitCode != 0 || !File.Exists(dll))
            throw new InvalidOperationException("building the broker host failed");

        var dataDir = Path.Combine(Path.GetTempPath(), "broker-bench-" + Guid.NewGuid().ToString("N")[..8]);
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { dll, "broker", "--port", "0", "--data-dir", dataDir })
            psi.ArgumentList.Add(a);
        var process = Process.Start(psi)!;
        _ = process.StandardError.ReadToEndAsync(ct);
        while (true)
        {
            var line = await process.StandardOutput.ReadLineAsync(ct) ?? throw new InvalidOperationException("the broker host exited");
            if (line.StartsWith("LISTENING "))
                return new BrokerHostProcess(process, line["LISTENING ".Length..], dataDir);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            _process.StandardInput.Close();
        }
        catch (IOException) { }
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill();
        }
        _process.Dispose();
        try
        {
            Directory.Delete(_dataDir, recursive: true);
        }
        catch (IOException) { }
    }
}
