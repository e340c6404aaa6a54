// The sink in a separate OS process (Pipeline.Sinks.Tests.Host), so a test can kill -9 it mid-batch.
using System.Diagnostics;

namespace Pipeline.Sinks.Tests;

public sealed class SinkProcess : IDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;

    private SinkProcess(Process process, StreamWriter log)
    {
        _process = process;
        _log = log;
    }

    public int Id => _process.Id;
    public bool HasExited => _process.HasExited;

    public static SinkProcess Start(string bootstrap, string connectionString, string consumerName, string groupId, int batchRows, string logFile)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Pipeline.Sinks.Tests.Host.dll"));
        foreach (var a in new[] { bootstrap, connectionString, consumerName, groupId, batchRows.ToString() }) psi.ArgumentList.Add(a);
        var log = new StreamWriter(logFile, append: true) { AutoFlush = true };
        var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start the sink host");
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new SinkProcess(process, log);
    }

    /// <summary>SIGKILL: no shutdown code runs, whatever the sink was doing is cut off.</summary>
    public void KillNine()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public void Dispose()
    {
        KillNine();
        _process.Dispose();
        lock (_log) _log.Dispose();
    }
}
