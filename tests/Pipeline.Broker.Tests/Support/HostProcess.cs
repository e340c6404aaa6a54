using System.Collections.Concurrent;
using System.Diagnostics;

namespace Pipeline.Broker.Tests;

/// <summary>
/// A role of Pipeline.Broker.Tests.Host (broker, transactional producer, consumer) in its own OS process,
/// so a test can kill -9 it. Stdout lines are collected for the test to wait on.
/// </summary>
public sealed class HostProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyCollection<string> Lines => _lines;
    public int Id => _process.Id;
    public bool HasExited => _process.HasExited;

    private HostProcess(Process process) => _process = process;

    public static HostProcess Start(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Pipeline.Broker.Tests.Host.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start the test host");
        var host = new HostProcess(process);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) host._lines.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) host.StdErr.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return host;
    }

    public ConcurrentQueue<string> StdErr { get; } = new();

    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            foreach (var line in _lines) if (match(line)) return line;
            if (_process.HasExited && !_lines.Any(match))
                throw new InvalidOperationException($"host exited ({_process.ExitCode}) before {what}; stderr: {string.Join("\n", StdErr.TakeLast(20))}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"timed out waiting for {what}; stderr: {string.Join("\n", StdErr.TakeLast(20))}");
            await Task.Delay(20);
        }
    }

    /// <summary>kill -9: no shutdown code runs.</summary>
    public void Kill()
    {
        if (_process.HasExited) return;
        _process.Kill(entireProcessTree: false);
        _process.WaitForExit(10_000);
    }

    /// <summary>Graceful stop: closing stdin asks the host to shut down cleanly.</summary>
    public async Task StopAsync()
    {
        if (_process.HasExited) return;
        try { _process.StandardInput.Close(); } catch (IOException) { }
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try { await _process.WaitForExitAsync(cts.Token); } catch (OperationCanceledException) { Kill(); }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) Kill();
        await Task.CompletedTask;
        _process.Dispose();
    }
}
