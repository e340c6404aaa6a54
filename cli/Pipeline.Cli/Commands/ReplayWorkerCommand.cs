// `pipeline replay worker`: the replay worker alone (it also runs inside `pipeline up`): runs the replays requested with
// POST /replays. Needs Kafka:Bootstrap and Database:Url, like the other single-role commands.
using System.CommandLine;
using Microsoft.Extensions.Logging;
using Pipeline.Cli.Replay;

namespace Pipeline.Cli.Commands;

public static class ReplayWorkerCommand
{
    public static Command Create(Option<string?> config)
    {
        var command = new Command(
            "worker",
            "Run the replays requested through the API (topic replay.requests), one at a time, each with its version sink"
        );
        command.SetAction(
            (parse, _) =>
                CliRunner.RunAsync(async ct =>
                {
                    var options = ConfigLoader.Load(parse, config);
                    using var loggers = PipelineServices.CreateLoggerFactory();
                    await using var services = await PipelineServices.StartAsync(
                        options,
                        loggers,
                        allowEmbedded: false,
                        needsDatabase: true,
                        ct
                    );
                    return await UpCommand.RunRolesAsync(
                        services.Context,
                        loggers.CreateLogger("pipeline"),
                        ct,
                        ("replay-worker", ReplayWorker.RunAsync)
                    );
                })
        );
        return command;
    }
}
