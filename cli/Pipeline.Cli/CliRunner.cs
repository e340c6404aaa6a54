// Runs a parsed command with Ctrl-C/SIGTERM cancellation, and turns expected errors into one clear line.
using System.CommandLine;
using System.Runtime.InteropServices;
using Npgsql;
using Pipeline.Plumbing.Configuration;

namespace Pipeline.Cli;

public static class CliRunner
{
    public const int ExitUsage = 2;
    public const int ExitFailure = 1;

    public static async Task<int> InvokeAsync(RootCommand root, string[] args)
    {
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            var command = parse.CommandResult.Command == root ? "pipeline" : $"pipeline {parse.CommandResult.Command.Name}";
            Console.Error.WriteLine($"error: {string.Join("; ", parse.Errors.Select(e => e.Message))} (see '{command} --help')");
            return ExitUsage;
        }
        return await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
    }

    /// <summary>Runs <paramref name="body"/> until it ends or the process is asked to stop; expected failures print one line.</summary>
    public static async Task<int> RunAsync(Func<CancellationToken, Task<int>> body)
    {
        using var cts = new CancellationTokenSource();
        void Stop(PosixSignalContext c) { c.Cancel = true; cts.Cancel(); }
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        try
        {
            return await body(cts.Token);
        }
        catch (PipelineConfigurationException e)
        {
            foreach (var p in e.Problems) Console.Error.WriteLine($"error: {p}");
            return ExitUsage;
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            return 0;
        }
        catch (Exception e) when (ExpectedFailure(e) is { } line)
        {
            Console.Error.WriteLine($"error: {line}");
            return ExitFailure;
        }
    }

    private static string? ExpectedFailure(Exception e) => e switch
    {
        InvalidOperationException or ArgumentException or FileNotFoundException or DirectoryNotFoundException => e.Message,
        NpgsqlException n => $"database: {n.Message}; check Database:Url (PIPELINE__DATABASE__URL) and that PostgreSQL is running",
        Confluent.Kafka.KafkaException k => $"Kafka: {k.Error.Reason}; check Kafka:Bootstrap (PIPELINE__KAFKA__BOOTSTRAP) and that the broker is running",
        AggregateException a when a.InnerExceptions.Count == 1 => ExpectedFailure(a.InnerException!),
        _ => null,
    };
}
