// The processor role in its own OS process (Pipeline.Processors.Tests.Host), so a test can kill -9 it.
using System.Collections.Concurrent;
using System.Diagnostics;

namespace Pipeline.Processors.Tests;

public sealed class ProcessorProcess : IDisposable
{
    private readonly Process _process;

    private ProcessorProcess(Process process) => _process = process;

    public ConcurrentQueue<string> Output { get; } = new();
    public bool HasExited => _process.HasExited;

    public static ProcessorProcess Start(string bootstrap, string group, string instance)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Pipeline.Processors.Tests.Host.dll"));
        psi.ArgumentList.Add(bootstrap);
        psi.ArgumentList.Add(group);
        psi.ArgumentList.Add(instance);
        var p = new ProcessorProcess(Process.Start(psi) ?? throw new InvalidOperationException("could not start the processor host"));
        p._process.OutputDataReceived += (_, e) => { if (e.Data is not null) p.Output.Enqueue(e.Data); };
        p._process.ErrorDataReceived += (_, e) => { if (e.Data is not null) p.Output.Enqueue(e.Data); };
        p._process.BeginOutputReadLine();
        p._process.BeginErrorReadLine();
        return p;
    }

    /// <summary>kill -9: no shutdown code runs, the open transaction stays open on the broker.</summary>
    public void Kill()
    {
        if (_process.HasExited) return;
        _process.Kill(entireProcessTree: false);
        _process.WaitForExit(10_000);
    }

    /// <summary>Graceful stop: closing stdin cancels the role, which commits its last transaction.</summary>
    public async Task StopAsync()
    {
        if (_process.HasExited) return;
        try { _process.StandardInput.Close(); } catch (IOException) { }
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try { await _process.WaitForExitAsync(cts.Token); } catch (OperationCanceledException) { Kill(); }
    }

    public string Tail() => string.Join("\n", Output.TakeLast(30));

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }
}
