// Runs a parsed command with Ctrl-C/SIGTERM cancellation, and turns expected errors into one clear line (bugs keep their trace).
using System.CommandLine;
using System.Runtime.InteropServices;
using Npgsql;
using Pipeline.Plumbing.Configuration;
using Pipeline.Plumbing.Errors;

namespace Pipeline.Cli;

public static class CliRunner
{
    public const int ExitUsage = 2;
    public const int ExitFailure = 1;

    /// <summary>EX_SOFTWARE (sysexits.h): an internal error, i.e. a bug; the stack trace is printed.</summary>
    public const int ExitBug = 70;

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
        void Stop(PosixSignalContext c)
        {
            c.Cancel = true;
            cts.Cancel();
        }
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        try
        {
            return await body(cts.Token);
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            return 0;
        }
        catch (Exception e)
        {
            return Report(e, Console.Error);
        }
    }

    /// <summary>
    /// Prints an exception that ended a command: an expected failure (the <see cref="PipelineException"/> family, or a
    /// server or file the command needs being unavailable) as one line per problem; anything else is a bug and keeps
    /// its stack trace. Returns the exit code.
    /// </summary>
    public static int Report(Exception e, TextWriter error)
    {
        if (Unwrap(e) is PipelineConfigurationException config)
        {
            foreach (var p in config.Problems)
                error.WriteLine($"error: {p}");
            return ExitUsage;
        }
        if (ExpectedFailure(Unwrap(e)) is { } line)
        {
            error.WriteLine($"error: {line}");
            return Unwrap(e) is InvalidRequestException or FormatException ? ExitUsage : ExitFailure;
        }
        error.WriteLine("error: internal error (a bug in the pipeline, not in your input); please report it with this trace:");
        error.WriteLine(e.ToString());
        return ExitBug;
    }

    private static Exception Unwrap(Exception e) => e is AggregateException { InnerExceptions.Count: 1 } a ? Unwrap(a.InnerException!) : e;

    private static string? ExpectedFailure(Exception e) =>
        e switch
        {
            PipelineException => e.Message,
            // The parsers of user-given text (instrument keys, intervals, versions, dates) throw FormatException.
            FormatException => e.Message,
            FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException => e.Message,
            NpgsqlException n => $"database: {n.Message}; check Database:Url (PIPELINE__DATABASE__URL) and that PostgreSQL is running",
            Confluent.Kafka.KafkaException k =>
                $"Kafka: {k.Error.Reason}; check Kafka:Bootstrap (PIPELINE__KAFKA__BOOTSTRAP) and that the broker is running",
            Amazon.Runtime.AmazonServiceException s =>
                $"S3: {s.Message} ({s.StatusCode}); check S3:Endpoint, S3:Bucket and the credentials",
            HttpRequestException h => $"HTTP: {h.Message}; check the address and that the server is running",
            _ => null,
        };
}
