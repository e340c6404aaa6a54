// `pipeline produce|process|sink|api`: one role in its own process, against a configured Kafka (and database).
using System.CommandLine;
using Microsoft.Extensions.Logging;
using Pipeline.Api;
using Pipeline.Plumbing;
using Pipeline.Processors;
using Pipeline.Producers;
using Pipeline.Sinks;

namespace Pipeline.Cli.Commands;

public static class RoleCommands
{
    public static Command Produce(Option<string?> config) =>
        Role(
            "produce",
            "Run the producers (simulated feed; live exchange connectors when LiveExchanges is on)",
            config,
            false,
            ProducerRole.RunAsync,
            metrics: true
        );

    public static Command Process(Option<string?> config) =>
        Role(
            "process",
            "Run the processors: validation, candle aggregation, indicators (exactly once)",
            config,
            false,
            ProcessorRole.RunAsync,
            metrics: true
        );

    public static Command Sink(Option<string?> config) =>
        Role("sink", "Run the PostgreSQL sink (exactly once)", config, true, SinkRole.RunAsync, metrics: true);

    public static Command Api(Option<string?> config) => Role("api", "Run the query API and dashboard", config, true, ApiRole.RunAsync);

    /// <summary>A command that runs one role in its own process; <paramref name="role"/> names it in logs (default: the
    /// command's name).</summary>
    internal static Command Role(
        string name,
        string description,
        Option<string?> config,
        bool needsDatabase,
        Func<PipelineContext, CancellationToken, Task> run,
        bool metrics = false,
        string? role = null
    )
    {
        var command = new Command(name, description + ". Needs Kafka:Bootstrap" + (needsDatabase ? " and Database:Url." : "."));
        var failFast = new Option<bool>("--fail-fast")
        {
            Description =
                "Exit when Kafka"
                + (needsDatabase ? " or the database" : "")
                + " is unreachable at start, instead of waiting for it with backoff",
        };
        command.Options.Add(failFast);
        // The API serves /metrics on its own port; the other roles get a port of their own for it.
        var metricsPort = MetricsServer.PortOption();
        if (metrics)
            command.Options.Add(metricsPort);
        command.SetAction(
            (parse, _) =>
                CliRunner.RunAsync(async ct =>
                {
                    var options = ConfigLoader.Load(parse, config);
                    await using var services = await StandaloneServices.StartAsync(
                        options,
                        metrics ? parse.GetValue(metricsPort) : null,
                        needsDatabase,
                        ct,
                        failFast: parse.GetValue(failFast)
                    );
                    var loggers = services.Loggers;
                    // Before the processor uses its transactional id (not before: a mistyped setting is reported first).
                    using var instance = name == "process" ? ProcessorInstanceLock.Acquire(options.Processing) : null;
                    return await UpCommand.RunRolesAsync(services.Context, loggers.CreateLogger("pipeline"), ct, (role ?? name, run));
                })
        );
        return command;
    }
}
