// `pipeline versions` (and `pipeline replay list|promote|drop`): the versions of the derived data (ADR 0006) — list them,
// promote a complete one to be what the API serves by default, drop one (rows, topics, row).
using System.CommandLine;
using Npgsql;
using Pipeline.Plumbing.Database;
using Pipeline.Plumbing.Errors;
using Pipeline.Plumbing.Kafka;
using Pipeline.Schemas;
using Pipeline.Sinks;

namespace Pipeline.Cli.Commands;

public static class VersionsCommand
{
    public static Command Create(Option<string?> config)
    {
        var command = new Command(
            "versions",
            "List the versions of the derived data (live and replays): state, range, progress, which is current. "
                + "Subcommands promote and drop; also as 'pipeline replay list|promote|drop'."
        );
        command.SetAction((parse, _) => CliRunner.RunAsync(ct => ListAsync(parse, config, ct)));
        AddTo(command, config, list: false);
        return command;
    }

    /// <summary>Adds list (unless the command lists by itself), promote and drop to <paramref name="parent"/>.</summary>
    public static void AddTo(Command parent, Option<string?> config, bool list = true)
    {
        if (list)
        {
            var listCommand = new Command("list", "List the versions of the derived data: state, range, progress, which is current");
            listCommand.SetAction((parse, _) => CliRunner.RunAsync(ct => ListAsync(parse, config, ct)));
            parent.Subcommands.Add(listCommand);
        }
        var name = new Argument<string>("version") { Description = "the version's name, e.g. v2 (live for the live processors' version)" };
        var promote = new Command(
            "promote",
            "Make a complete version the one the API serves by default (one atomic update; 'promote live' goes back)"
        );
        promote.Arguments.Add(name);
        promote.SetAction(
            (parse, _) =>
                CliRunner.RunAsync(async ct =>
                {
                    var version = Version(parse.GetValue(name));
                    await using var db = NpgsqlDataSource.Create(RunningPipeline.Database(ConfigLoader.Load(parse, config)));
                    await new DataVersionStore(db).PromoteAsync(version, ct);
                    Console.WriteLine($"version {version} is now current: the API serves it unless a request names another with ?version=");
                    return 0;
                })
        );
        parent.Subcommands.Add(promote);

        var dropName = new Argument<string>("version") { Description = "the version to drop, e.g. v2 (never live or the current one)" };
        var force = new Option<bool>("--force")
        {
            Description = "drop a version whose replay is planned or running (stop the replay first)",
        };
        var drop = new Command(
            "drop",
            "Delete a version: its candle and indicator rows, its replay.<version>.* topics and its data_versions row"
        );
        drop.Arguments.Add(dropName);
        drop.Options.Add(force);
        drop.SetAction(
            (parse, _) =>
                CliRunner.RunAsync(async ct =>
                {
                    var version = Version(parse.GetValue(dropName));
                    var options = ConfigLoader.Load(parse, config);
                    Pipeline.Plumbing.Kafka.LibrdkafkaLoader.EnsureLoaded();
                    await using var db = NpgsqlDataSource.Create(RunningPipeline.Database(options));
                    var result = await DataVersionDrop.DropAsync(
                        db,
                        RunningPipeline.Kafka(options),
                        version,
                        VersionSink.ConsumerNameOf(version),
                        parse.GetValue(force),
                        ct
                    );
                    Console.WriteLine(
                        $"dropped version {version}: {result.Candles:N0} candle rows, {result.Indicators:N0} indicator rows, "
                            + $"{result.Topics.Count} topics ({string.Join(", ", result.Topics)})"
                    );
                    return 0;
                })
        );
        parent.Subcommands.Add(drop);
    }

    private static async Task<int> ListAsync(ParseResult parse, Option<string?> config, CancellationToken ct)
    {
        await using var db = NpgsqlDataSource.Create(RunningPipeline.Database(ConfigLoader.Load(parse, config)));
        var rows = await new DataVersionStore(db).ListAsync(ct);
        Console.WriteLine($"{"", 1} {"version", -20} {"state", -9} {"from", -20} {"to", -20} {"progress", -22} instruments / intervals");
        foreach (var v in rows)
        {
            var progress =
                v.RecordsTotal is { } total ? $"{v.RecordsDone:N0}/{total:N0}"
                : v.RecordsDone > 0 ? $"{v.RecordsDone:N0}"
                : "-";
            Console.WriteLine(
                $"{(v.IsCurrent ? "*" : " "), 1} {v.Name, -20} {v.State, -9} {Time(v.RangeFrom), -20} {Time(v.RangeTo), -20} "
                    + $"{progress, -22} "
                    + $"{(v.Instruments.Count == 0 ? "all" : string.Join(",", v.Instruments))} / "
                    + $"{(v.Intervals.Count == 0 ? "all" : string.Join(",", v.Intervals))}"
                    + (v.Error is { } e ? $"  error: {e}" : "")
            );
        }
        return 0;
    }

    private static DataVersion Version(string? text) =>
        DataVersion.TryParse(text, out var version, out var problem) ? version : throw new InvalidRequestException(problem);

    private static string Time(DateTime? t) => t is { } v ? v.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'") : "-";
}
