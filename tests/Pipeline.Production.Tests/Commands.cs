// Runs a program to its end and returns what it printed; kills it (and its children) when a test gives up on it.
using System.Diagnostics;

namespace Pipeline.Production.Tests;

public static class Commands
{
    public sealed record Result(int Exit, string Out, string Err)
    {
        public override string ToString() => $"exit {Exit}\nstdout:\n{Out}\nstderr:\n{Err}";
    }

    public static async Task<Result> RunAsync(
        string file,
        IEnumerable<string> args,
        string? workingDirectory = null,
        IDictionary<string, string?>? environment = null,
        TimeSpan? timeout = null
    )
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory ?? AppContext.BaseDirectory,
        };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        foreach (var k in psi.Environment.Keys.Where(k => k.StartsWith("PIPELINE__", StringComparison.Ordinal)).ToList())
            psi.Environment.Remove(k);
        if (environment is not null)
            foreach (var (k, v) in environment)
                if (v is null)
                    psi.Environment.Remove(k);
                else
                    psi.Environment[k] = v;
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {file}");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(2));
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        finally
        {
            if (!p.HasExited)
                p.Kill(entireProcessTree: true);
        }
        return new Result(p.ExitCode, await stdout, await stderr);
    }

    /// <summary>The CLI the other tests run: pipeline.dll of this test output folder.</summary>
    public static Task<Result> PipelineAsync(params string[] args) =>
        RunAsync("dotnet", [Path.Combine(AppContext.BaseDirectory, "pipeline.dll"), .. args]);
}
