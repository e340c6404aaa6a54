using System.Diagnostics;
using System.Text.Json;

namespace Pipeline.Testing;

/// <summary>
/// Runs a conformance script of an independent Kafka client (KafkaJS via node, kafka-python and python3-confluent-kafka via
/// Debian's python3) as a process and returns the one JSON object it prints. The clients are installed by
/// infra/setup/setup.sh; a missing one fails the test with the command that installs it.
/// </summary>
public static class ExternalClient
{
    /// <summary>Debian's interpreter: the apt packages python3-kafka/python3-confluent-kafka live in its dist-packages.</summary>
    private const string Python = "/usr/bin/python3";

    private static string Cache =>
        Environment.GetEnvironmentVariable("PIPELINE_CACHE") is { Length: > 0 } c
            ? c
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "pipeline");

    public static string KafkaJsModules => Path.Combine(Cache, "kafkajs", "node_modules");

    public static Task<JsonElement> PythonAsync(string script, params string[] args)
    {
        if (!File.Exists(Python))
            throw new InvalidOperationException($"{Python} is missing: run `make setup` (infra/setup/setup.sh)");
        return RunAsync(Python, script, args, env: null);
    }

    public static Task<JsonElement> NodeAsync(string script, params string[] args)
    {
        if (!Directory.Exists(Path.Combine(KafkaJsModules, "kafkajs")))
            throw new InvalidOperationException($"kafkajs is not installed in {KafkaJsModules}: run `make setup` (infra/setup/setup.sh)");
        return RunAsync("node", script, args, new() { ["NODE_PATH"] = KafkaJsModules, ["KAFKAJS_NO_PARTITIONER_WARNING"] = "1" });
    }

    private static async Task<JsonElement> RunAsync(string program, string script, string[] args, Dictionary<string, string>? env)
    {
        var psi = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Conformance", script));
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        foreach (var (k, v) in env ?? [])
            psi.Environment[k] = v;
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {program}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{script} did not finish within 2 minutes; stderr: {await stderr}");
        }
        string output = await stdout;
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{script} exited with {process.ExitCode}: {await stderr}{output}");
        string last =
            output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault()
            ?? throw new InvalidOperationException($"{script} printed nothing; stderr: {await stderr}");
        return JsonDocument.Parse(last).RootElement.Clone();
    }
}
