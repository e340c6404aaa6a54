// `pipeline twap ingest`: Hyperliquid TWAP status objects (Parquet, S3 or a local file) into twap.statuses.
using System.CommandLine;
using System.Globalization;
using Pipeline.Plumbing.Configuration;
using Pipeline.Producers.Twap;
using Spectre.Console;

namespace Pipeline.Cli.Commands;

public static class TwapCommand
{
    public static Command Create(Option<string?> config)
    {
        var incremental = new Option<bool>("--incremental")
        {
            Description = "every object under Twap:Prefix not yet ingested in its current version (the default)",
        };
        var since = new Option<string?>("--since")
        {
            Description = "only objects modified at or after this time (UTC), e.g. 2025-01-01 or 2025-01-01T06:00:00Z",
        };
        var objectKey = new Option<string?>("--object-key") { Description = "one object: its key (full, or relative to Twap:Prefix)" };
        var localFile = new Option<string?>("--local-file") { Description = "a Parquet file on disk in the same shape, instead of S3" };
        var every = new Option<string?>("--every")
        {
            Description = "repeat an incremental (or --since) ingest this often, e.g. 24h, until stopped",
        };
        var ingest = new Command(
            "ingest",
            "Ingest TWAP status Parquet objects from Twap:Bucket/Twap:Prefix (requester-pays) into twap.statuses; "
                + "the sink stores them in twap_status exactly once. Objects already ingested in the same version are skipped. "
                + "Needs Database:Url (the ingest log) and Kafka:Bootstrap (else the embedded broker of a running `pipeline up`)."
        );
        foreach (var o in new Option[] { incremental, since, objectKey, localFile, every })
            ingest.Options.Add(o);
        ingest.SetAction(
            (parse, _) =>
                CliRunner.RunAsync(async ct =>
                {
                    var options = ConfigLoader.Load(parse, config);
                    // Check the arguments before connecting anywhere: one line for all that is wrong.
                    var problems = new List<string>();
                    var modes = new[]
                    {
                        ("--incremental", parse.GetValue(incremental) ? "" : null),
                        ("--since", parse.GetValue(since)),
                        ("--object-key", parse.GetValue(objectKey)),
                        ("--local-file", parse.GetValue(localFile)),
                    }
                        .Where(m => m.Item2 is not null)
                        .ToList();
                    if (modes.Count > 1)
                        problems.Add(
                            "choose one of --incremental, --since, --object-key, "
                                + $"--local-file (got {string.Join(", ", modes.Select(m => m.Item1))})"
                        );
                    DateTimeOffset? sinceTime = null;
                    if (parse.GetValue(since) is { } s)
                    {
                        if (
                            DateTimeOffset.TryParse(
                                s,
                                CultureInfo.InvariantCulture,
                                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal,
                                out var t
                            )
                        )
                            sinceTime = t;
                        else
                            problems.Add($"--since '{s}' is not a time; use e.g. 2025-01-01 or 2025-01-01T06:00:00Z");
                    }
                    if (parse.GetValue(objectKey) is "")
                        problems.Add("--object-key is empty; give the key of one object");
                    if (parse.GetValue(localFile) is { } f && !File.Exists(f))
                        problems.Add($"--local-file '{f}' does not exist");
                    TimeSpan? repeat = null;
                    if (parse.GetValue(every) is { } e)
                    {
                        try
                        {
                            repeat = TwapOptions.ParseInterval(e);
                        }
                        catch (FormatException x)
                        {
                            problems.Add($"--every {x.Message}");
                        }
                        if (parse.GetValue(objectKey) is not null || parse.GetValue(localFile) is not null)
                            problems.Add(
                                "--every repeats an incremental or --since ingest; it cannot be combined with --object-key or --local-file"
                            );
                    }
                    if (parse.GetValue(localFile) is null && !options.Twap.IsConfigured)
                        problems.Add(
                            "Twap:Bucket is not set; set PIPELINE__TWAP__BUCKET (and the S3 endpoint/credentials), or use --local-file PATH"
                        );
                    if (options.Database.UsesLocalCluster)
                        problems.Add(
                            "Database:Url is not set; the ingest log lives in the pipeline's database: set PIPELINE__DATABASE__URL"
                        );
                    if (problems.Count > 0)
                    {
                        Console.Error.WriteLine($"error: {string.Join("; ", problems)} (see 'pipeline twap ingest --help')");
                        return CliRunner.ExitUsage;
                    }
                    var request = new TwapIngestRequest
                    {
                        Since = sinceTime,
                        ObjectKey = parse.GetValue(objectKey),
                        LocalFile = parse.GetValue(localFile),
                    };

                    RunningPipeline.UseItsKafka(options);
                    using var loggers = PipelineServices.CreateLoggerFactory();
                    await using var services = await PipelineServices.StartAsync(
                        options,
                        loggers,
                        allowEmbedded: false,
                        needsDatabase: true,
                        ct
                    );
                    var failed = false;
                    while (true)
                    {
                        var result = await ProgressBars
                            .Create()
                            .StartAsync(async progress =>
                            {
                                var task = progress.AddTask("TWAP objects", maxValue: 1);
                                return await TwapIngestRole.RunOnceAsync(
                                    services.Context,
                                    request,
                                    new Progress<TwapIngestProgress>(p =>
                                    {
                                        task.MaxValue = Math.Max(1, p.ObjectsTotal);
                                        task.Value = p.ObjectsDone;
                                        task.Description =
                                            $"TWAP objects {p.ObjectsDone:N0}/{p.ObjectsTotal:N0}, {p.RowsPublished:N0} rows"
                                            + (p.CurrentObject is { } c ? $" ({Markup.Escape(Path.GetFileName(c))})" : "");
                                    }),
                                    ct
                                );
                            });
                        Console.WriteLine(
                            $"TWAP ingest: {result.ObjectsIngested:N0} objects ingested, {result.ObjectsSkipped:N0} unchanged, "
                                + $"{result.Failures.Count:N0} failed; {result.RowsPublished:N0} rows published, "
                                + $"{result.RowsRejected:N0} rejected to deadletter"
                        );
                        foreach (var (key, error) in result.Failures)
                            Console.Error.WriteLine($"failed: {key}: {error}");
                        failed = result.Failures.Count > 0;
                        if (repeat is not { } wait)
                            break;
                        await Task.Delay(wait, ct); // the schedule: the next increment
                    }
                    return failed ? CliRunner.ExitFailure : 0;
                })
        );
        var command = new Command("twap", "Hyperliquid TWAP history: ingest the published TWAP status objects");
        command.Subcommands.Add(ingest);
        return command;
    }
}
