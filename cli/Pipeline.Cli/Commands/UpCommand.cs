// `pipeline up`: every role in one process on embedded defaults (or on the configured Kafka and database).
using System.CommandLine;
using Microsoft.Extensions.Logging;
using Pipeline.Api;
using Pipeline.Plumbing;
using Pipeline.Plumbing.Errors;
using Pipeline.Processors;
using Pipeline.Processors.Hosting;
using Pipeline.Producers;
using Pipeline.Sinks;

namespace Pipeline.Cli.Commands;

public static class UpCommand
{
    public static Command Create(Option<string?> config)
    {
        var command = new Command(
            "up",
            "Run the whole pipeline in one process: embedded broker and PostgreSQL unless configured, simulated feed, processors, "
                + "sink and API"
        );
        command.SetAction(
            (parse, _) =>
                CliRunner.RunAsync(async ct =>
                {
                    var options = ConfigLoader.Load(parse, config);
                    using var loggers = PipelineServices.CreateLoggerFactory();
                    var log = loggers.CreateLogger("pipeline");
                    await using var services = await PipelineServices.StartAsync(
                        options,
                        loggers,
                        allowEmbedded: true,
                        needsDatabase: true,
                        ct
                    );
                    using var instance = ProcessorInstanceLock.Acquire(options.Processing);
                    log.LogInformation(
                        "Kafka bootstrap {Bootstrap} (try: kcat -b {Bootstrap} -L); API on {Urls}",
                        services.Context.Kafka.BootstrapServers,
                        services.Context.Kafka.BootstrapServers,
                        options.Api.Urls
                    );
                    var roles = new List<(string, Func<PipelineContext, CancellationToken, Task>)>
                    {
                        ("producers", ProducerRole.RunAsync),
                        ("processors", ProcessorRole.RunAsync),
                        ("sink", SinkRole.RunAsync),
                        ("api", ApiRole.RunAsync),
                        ("replay-worker", Replay.ReplayWorker.RunAsync),
                    };
                    // The Parquet archive runs when an S3 target is configured (S3:Bucket).
                    if (options.S3.IsConfigured)
                        roles.Add(("archive", Pipeline.Archive.ArchiveRole.RunAsync));
                    if (options.Twap.Schedule is not null)
                        roles.Add(("twap-ingest", Pipeline.Producers.Twap.TwapIngestRole.RunScheduledAsync));
                    return await RunRolesAsync(services.Context, log, ct, [.. roles]);
                })
        );
        return command;
    }

    /// <summary>Runs roles side by side; when one fails, the others are stopped and the failure is reported.</summary>
    public static async Task<int> RunRolesAsync(
        PipelineContext context,
        ILogger log,
        CancellationToken ct,
        params (string Name, Func<PipelineContext, CancellationToken, Task> Run)[] roles
    )
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var tasks = roles
            .Select(r =>
                Task.Run(
                    async () =>
                    {
                        try
                        {
                            await r.Run(context, stop.Token);
                        }
                        catch (OperationCanceledException) when (stop.IsCancellationRequested) { }
                        catch (Exception e) when (e is ProcessorFencedException or PipelineException)
                        {
                            // Expected in operation: one line that says what to do, no stack trace.
                            log.LogError("Role {Role} stopped: {Message}", r.Name, e.Message);
                            stop.Cancel();
                            throw;
                        }
                        catch (Exception e)
                        {
                            log.LogError(e, "Role {Role} failed: {Message}", r.Name, e.Message);
                            stop.Cancel();
                            throw;
                        }
                    },
                    CancellationToken.None
                )
            )
            .ToArray();
        try
        {
            await Task.WhenAll(tasks);
        }
        catch when (ct.IsCancellationRequested is false)
        {
            return CliRunner.ExitFailure;
        }
        log.LogInformation("Stopped");
        return ct.IsCancellationRequested || tasks.All(t => t.IsCompletedSuccessfully) ? 0 : CliRunner.ExitFailure;
    }
}
