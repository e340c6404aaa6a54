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

    private static async Task<JsonElement> RunAsync(string program, string script, string[] args, Dictionary<string, string?>? env)
    {
        var run = await ChildProcess.RunProgramAsync(
            program,
            [Path.Combine(AppContext.BaseDirectory, "Conformance", script), .. args],
            env
        );
        if (run.Exit != 0)
            throw new InvalidOperationException($"{script} exited with {run.Exit}: {run.Err}{run.Out}");
        string last =
            run.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault()
            ?? throw new InvalidOperationException($"{script} printed nothing; stderr: {run.Err}");
        return JsonDocument.Parse(last).RootElement.Clone();
    }
}
