// One TWAP ingest in a separate OS process (Pipeline.Twap.Tests.Host), so a test can kill -9 it mid-object.
using System.Diagnostics;

namespace Pipeline.Twap.Tests;

public sealed class TwapIngestProcess : IDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = new();

    private TwapIngestProcess(Process process) => _process = process;

    public static TwapIngestProcess Start(TwapPipeline p, long pauseAfterRows, string pauseInObject)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Pipeline.Twap.Tests.Host.dll"));
        foreach (
            var a in new[]
            {
                p.Kafka.BootstrapServers,
                p.Database,
                p.S3.Endpoint,
                p.Bucket,
                TwapPipeline.Prefix,
                pauseAfterRows.ToString(),
                pauseInObject,
            }
        )
            psi.ArgumentList.Add(a);
        var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start the TWAP ingest host");
        var host = new TwapIngestProcess(process);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
                lock (host._lines)
                    host._lines.Add(e.Data);
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
                lock (host._lines)
                    host._lines.Add(e.Data);
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return host;
    }

    public Task WaitForLineAsync(Func<string, bool> match, string what) =>
        Testing.Eventually.TrueAsync(
            () =>
            {
                lock (_lines)
                {
                    if (_process.HasExited && !_lines.Any(match))
                        throw new InvalidOperationException(
                            $"the ingest host exited ({_process.ExitCode}) before {what}: {string.Join(" | ", _lines.TakeLast(10))}"
                        );
                    return Task.FromResult(_lines.Any(match));
                }
            },
            TimeSpan.FromSeconds(60),
            what
        );

    /// <summary>SIGKILL: no shutdown code runs; the open Kafka transaction is left to the broker.</summary>
    public void KillNine()
    {
        if (!_process.HasExited)
            _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public void Dispose()
    {
        KillNine();
        _process.Dispose();
    }
}
