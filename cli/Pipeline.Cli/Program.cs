// `pipeline <command>`: one entry point for every role, the embedded services and the tools.
using System.CommandLine;
using Pipeline.Cli;
using Pipeline.Cli.Commands;

var config = new Option<string?>("--config")
{
    Description = "JSON configuration file (default: config/pipeline.json when present); PIPELINE__SECTION__KEY variables override it",
    Recursive = true,
};
var root = new RootCommand(
    "Market-data pipeline: exchanges → Kafka → validated trades, candles and indicators " + "→ PostgreSQL and an API"
);
root.Options.Add(config);
root.Subcommands.Add(UpCommand.Create(config));
root.Subcommands.Add(BrokerCommand.Create(config));
root.Subcommands.Add(RoleCommands.Produce(config));
root.Subcommands.Add(RoleCommands.Process(config));
root.Subcommands.Add(RoleCommands.Sink(config));
root.Subcommands.Add(ArchiveCommand.Create(config));
root.Subcommands.Add(RoleCommands.Api(config));
root.Subcommands.Add(TopicsCommand.Create(config));
root.Subcommands.Add(ImportCommand.Create(config));
root.Subcommands.Add(BackfillCommand.Create(config));
root.Subcommands.Add(TwapCommand.Create(config));
root.Subcommands.Add(ReplayCommand.Create(config));
root.Subcommands.Add(VersionsCommand.Create(config));
root.Subcommands.Add(HealthCommand.Create());

return await CliRunner.InvokeAsync(root, args);
