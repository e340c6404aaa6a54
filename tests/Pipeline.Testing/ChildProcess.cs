// A program in its own OS process, so a test can kill -9 it, stop it gracefully and wait on what it prints, or run it
// to its end and read what it printed. The one process runner of the suites: every test that starts a process uses it.
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Pipeline.Testing;

public sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly StreamWriter? _log;

    private ChildProcess(Process process, StreamWriter? log)
    {
        _process = process;
        _log = log;
    }

    /// <summary>Every line of stdout and stderr so far, in arrival order.</summary>
    public ConcurrentQueue<string> Output { get; } = new();
    public int Id => _process.Id;
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

    /// <summary>A .NET program beside the tests, started with `dotnet`.</summary>
    /// <param name="dll">A program beside the tests, e.g. "pipeline.dll" or "Pipeline.Sinks.Tests.Host.dll".</param>
    /// <param name="environment">Variables to set; null values remove them. PIPELINE__* of the test run are never inherited.</param>
    /// <param name="logFile">Also append every line to this file (for a failing test to point at).</param>
    public static ChildProcess Start(
        string dll,
        IEnumerable<string> args,
        IDictionary<string, string?>? environment = null,
        string? logFile = null,
        string? workingDirectory = null
    ) => StartProgram("dotnet", [Beside(dll), .. args], environment, logFile, workingDirectory);

    /// <summary>Any executable (node, bash, kcat...), with the same environment rules as <see cref="Start"/>.</summary>
    public static ChildProcess StartProgram(
        string file,
        IEnumerable<string> args,
        IDictionary<string, string?>? environment = null,
        string? logFile = null,
        string? workingDirectory = null
    )
    {
        var psi = Info(file, args, environment, workingDirectory);
        var log = logFile is null ? null : new StreamWriter(logFile, append: true) { AutoFlush = true };
        var child = new ChildProcess(Process.Start(psi) ?? throw new InvalidOperationException($"could not start {file}"), log);
        child._process.OutputDataReceived += (_, e) => child.Add(e.Data);
        child._process.ErrorDataReceived += (_, e) => child.Add(e.Data);
        child._process.BeginOutputReadLine();
        child._process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Runs a .NET program beside the tests to its end; kills it (and its children) if the test gives up first.</summary>
    public static Task<ProcessResult> RunAsync(
        string dll,
        IEnumerable<string> args,
        IDictionary<string, string?>? environment = null,
        string? workingDirectory = null,
        TimeSpan? timeout = null
    ) => RunProgramAsync("dotnet", [Beside(dll), .. args], environment, workingDirectory, timeout);

    /// <summary>Runs any executable to its end, writing <paramref name="stdin"/> to it first; its output is kept byte for
    /// byte. Throws TimeoutException (after killing it) if it does not finish in time (2 minutes by default).</summary>
    public static async Task<ProcessResult> RunProgramAsync(
        string file,
        IEnumerable<string> args,
        IDictionary<string, string?>? environment = null,
        string? workingDirectory = null,
        TimeSpan? timeout = null,
        string? stdin = null
    )
    {
        var psi = Info(file, args, environment, workingDirectory);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {file}");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(2));
        try
        {
            if (stdin is not null)
                await p.StandardInput.WriteAsync(stdin.AsMemory(), cts.Token);
            p.StandardInput.Close();
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            await p.WaitForExitAsync();
            throw new TimeoutException(
                $"{file} {string.Join(' ', psi.ArgumentList)} did not finish in time; stderr:\n{await stderr}\nstdout:\n{await stdout}"
            );
        }
        finally
        {
            if (!p.HasExited)
                p.Kill(entireProcessTree: true); // no orphan outlives a failed test
        }
        return new ProcessResult(p.ExitCode, await stdout, await stderr);
    }

    private static string Beside(string dll) => Path.Combine(AppContext.BaseDirectory, dll);

    private static ProcessStartInfo Info(
        string file,
        IEnumerable<string> args,
        IDictionary<string, string?>? environment,
        string? workingDirectory
    )
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
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
        return psi;
    }

    private void Add(string? line)
    {
        if (line is null)
            return;
        Output.Enqueue(line);
        if (_log is not null)
            lock (_log)
                _log.WriteLine(line);
    }

    /// <summary>Waits for a line that matches; fails at once if the process exits without printing one.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout, string what)
    {
        try
        {
            var line = await Eventually.GetAsync(
                () => Task.FromResult(LineOrExit(match, what)),
                l => l is not null,
                timeout,
                what,
                TimeSpan.FromMilliseconds(20)
            );
            return line!;
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"timed out waiting for {what}:\n{Tail()}");
        }
    }

    private string? LineOrExit(Func<string, bool> match, string what)
    {
        if (Output.FirstOrDefault(match) is { } line)
            return line;
        if (!_process.HasExited)
            return null;
        _process.WaitForExit(); // drains the output readers
        return Output.FirstOrDefault(match)
            ?? throw new InvalidOperationException($"the process exited ({_process.ExitCode}) before {what}:\n{Tail()}");
    }

    public Task WaitForExitAsync(CancellationToken ct) => _process.WaitForExitAsync(ct);

    /// <summary>Whether the process exited within <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>kill -9: no shutdown code runs.</summary>
    public void Kill()
    {
        if (_process.HasExited)
            return;
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit(10_000);
    }

    /// <summary>Graceful stop: closes stdin (what the test hosts stop on) and, with <paramref name="sigterm"/>, sends SIGTERM
    /// (what the CLI stops on); kill -9 after the timeout.</summary>
    public async Task StopAsync(bool sigterm = true, TimeSpan? timeout = null)
    {
        if (_process.HasExited)
            return;
        try
        {
            _process.StandardInput.Close();
        }
        catch (IOException) { }
        if (sigterm)
            Signal(_process.Id, 15);
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
        }
    }

    public string Tail(int lines = 30) => string.Join("\n", Output.TakeLast(lines));

    public void Dispose()
    {
        Kill();
        _process.Dispose();
        if (_log is not null)
            lock (_log)
                _log.Dispose();
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Signal(int pid, int signal);
}
