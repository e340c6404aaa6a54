// `pipeline replay`: reprocess the trades of an exchange-time range into a new version's replay.<V>.* topics with its
// own processing configuration (ADR 0006, docs/replay.md). The same command run again resumes an interrupted replay.
using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Pipeline.Cli.Replay;
using Pipeline.Plumbing.Configuration;
using Pipeline.Plumbing.Errors;
using Pipeline.Processors.Replay;
using Pipeline.Schemas;
using Spectre.Console;

namespace Pipeline.Cli.Commands;

public static class ReplayCommand
{
    public const int ExitInterrupted = 130;

    public static Command Create(Option<string?> config)
    {
        var from = new Option<string>("--from")
        {
            Description = "start of the exchange-time range (UTC, inclusive), e.g. 2024-01-01 or 2024-01-01T12:00:00Z",
            Required = true,
        };
        var to = new Option<string?>("--to") { Description = "end of the range (UTC, exclusive); default: now" };
        var into = new Option<string>("--into")
        {
            Description = "name of the new version, e.g. v2 or rsi-21 (lower-case letters, digits, '-')",
            Required = true,
        };
        var instrument = new Option<string[]>("--instrument")
        {
            Description = "instrument key to replay, e.g. binance:BTC/USDT:spot (repeatable; default: all configured)",
            AllowMultipleArgumentsPerToken = true,
        };
        var interval = new Option<string[]>("--interval")
        {
            Description = "candle interval to write, e.g. 1m 1h (repeatable; default: all)",
            AllowMultipleArgumentsPerToken = true,
        };
        var revalidate = new Option<bool>("--revalidate")
        {
            Description = "read trades.raw and validate again with the replay's rules (default: trades.valid as validated live)",
        };
        var processing = new Option<string?>("--processing")
        {
            Description =
                "JSON file whose Processing section overrides the live processing settings for this replay (indicators, lateness, "
                + "validation rules)",
        };
        var indicator = new Option<string[]>("--indicator")
        {
            Description = "indicator to compute instead of the configured set, e.g. rsi:21 or macd:12,26,9 or rsi(21) (repeatable)",
            AllowMultipleArgumentsPerToken = true,
        };
        var lateness = new Option<int?>("--allowed-lateness-ms") { Description = "Processing:AllowedLatenessMs for this replay" };
        var horizon = new Option<int?>("--revision-horizon-ms") { Description = "Processing:RevisionHorizonMs for this replay" };
        var input = new Option<string?>("--input")
        {
            Description = "topic to read instead of trades.valid/trades.raw, e.g. replay.<version>.trades filled from the archive",
        };
        var fromArchive = new Option<string?>("--from-archive")
        {
            Description =
                "replay history from the Parquet archive at s3://bucket/prefix (older than Kafka's retention): its trades of the range "
                + "are first republished into replay.<version>.trades in exchange-time order with end-of-input marks, then replayed "
                + "(endpoint and credentials from S3:* / AWS_*)",
        };
        var command = new Command(
            "replay",
            "Reprocess the trades of [--from, --to) into a new version of candles and indicators (topics replay.<version>.*) while live "
                + "processing goes on; exactly once, and the same command resumes an interrupted run. Uses Kafka:Bootstrap, "
                + "else the embedded broker of a running `pipeline up`."
        );
        foreach (
            var o in new Option[]
            {
                from,
                to,
                into,
                instrument,
                interval,
                revalidate,
                processing,
                indicator,
                lateness,
                horizon,
                input,
                fromArchive,
            }
        )
            command.Options.Add(o);
        VersionsCommand.AddTo(command, config); // replay list | promote V | drop V
        command.Subcommands.Add(ReplayWorkerCommand.Create(config));
        command.SetAction(
            (parse, _) =>
                CliRunner.RunAsync(async ct =>
                {
                    var options = ConfigLoader.Load(parse, config);
                    // Check the arguments before connecting anywhere.
                    if (!DataVersion.TryParse(parse.GetValue(into), out var version, out var problem))
                        throw new InvalidRequestException($"--into: {problem}");
                    var settings = ReplayProcessingSettings.From(
                        options.Processing,
                        parse.GetValue(processing),
                        parse.GetValue(indicator) ?? [],
                        parse.GetValue(lateness),
                        parse.GetValue(horizon)
                    );
                    var request = new ReplayRequest
                    {
                        Version = version,
                        FromUs = ParseTime(parse.GetValue(from)!, "--from"),
                        ToUs = parse.GetValue(to) is { } t ? ParseTime(t, "--to") : null,
                        Instruments = parse.GetValue(instrument) ?? [],
                        Intervals = parse.GetValue(interval) ?? [],
                        Revalidate = parse.GetValue(revalidate),
                        Input = parse.GetValue(input),
                        Processing = settings,
                    };
                    var configured = options.Instruments.Select(i => i.ToInstrumentRef().Key).ToList();
                    ReplayJob.CheckRequest(request, configured);
                    var archive = parse.GetValue(fromArchive);
                    if (archive is not null)
                    {
                        if (request.Input is not null || request.Revalidate)
                            throw new InvalidRequestException(
                                "--from-archive reads the archive's trades (already validated): leave out --input and --revalidate"
                            );
                        ArchiveAddress.Parse(archive); // a bad address is one line before any connection
                    }

                    RunningPipeline.UseItsKafka(options);
                    using var loggers = PipelineServices.CreateLoggerFactory();
                    // The version's rows are written by its sink stage in this process: the database is needed too.
                    var database = RunningPipeline.Database(options);
                    await using var services = await PipelineServices.StartAsync(
                        options,
                        loggers,
                        allowEmbedded: false,
                        needsDatabase: false,
                        ct
                    );
                    if (archive is not null)
                        request = await RepublishAsync(
                            options,
                            services.Context.Kafka,
                            database,
                            archive,
                            request,
                            configured,
                            loggers,
                            ct
                        );
                    var job = await ReplayJob.PlanAsync(services.Context.Kafka, request, configured, loggers, ct);
                    var plan = job.Plan;
                    Console.WriteLine(
                        $"replay {plan.Version}: {plan.Input} [{Iso(plan.FromUs)}, {Iso(plan.ToUs)}), {plan.Total:N0} records to read"
                            + $"{(job.Resumed ? " (resuming)" : "")}, indicators {string.Join(" ", plan.Indicators)}"
                    );

                    var result = Interactive()
                        ? await ProgressBars
                            .Create()
                            .StartAsync(async progress =>
                            {
                                var task = progress.AddTask($"replay {plan.Version}", maxValue: Math.Max(1, plan.Total));
                                return await VersionedReplay.RunAsync(
                                    services.Context.Kafka,
                                    database,
                                    job,
                                    new Progress<ReplayProgress>(p =>
                                    {
                                        task.Value = p.Records;
                                        task.Description =
                                            $"replay {plan.Version}: {p.Records:N0}/{p.Total:N0} records, "
                                            + $"{p.RecordsPerSecond:N0}/s, {p.Outputs:N0} written";
                                    }),
                                    loggers,
                                    ct
                                );
                            })
                        : await VersionedReplay.RunAsync(
                            services.Context.Kafka,
                            database,
                            job,
                            new PlainProgress(loggers.CreateLogger("replay"), plan.Version),
                            loggers,
                            ct
                        );
                    if (!result.Complete)
                    {
                        Console.WriteLine(
                            $"replay {plan.Version} interrupted after {result.Records:N0} of {plan.Total:N0} records; "
                                + "run the same command again to resume"
                        );
                        return ExitInterrupted;
                    }
                    Console.WriteLine(
                        $"replay {plan.Version} complete: {result.Records:N0} records read, "
                            + $"{result.Outputs:N0} records written to replay.{plan.Version}.* "
                            + $"and stored as version {plan.Version} in PostgreSQL in {result.Elapsed.TotalSeconds:F1} s; "
                            + $"serve it with ?version={plan.Version}, "
                            + $"or make it the default with: pipeline replay promote {plan.Version}"
                    );
                    return 0;
                })
        );
        return command;
    }

    /// <summary>Step 1 of a replay from the archive, with its progress (records republished; the total is known only at
    /// the end, as the archive is read day by day).</summary>
    private static async Task<ReplayRequest> RepublishAsync(
        PipelineOptions options,
        Pipeline.Plumbing.Kafka.KafkaClientSettings kafka,
        string database,
        string archive,
        ReplayRequest request,
        IReadOnlyCollection<string> configured,
        ILoggerFactory loggers,
        CancellationToken ct
    )
    {
        var log = loggers.CreateLogger("replay");
        Console.WriteLine($"replay {request.Version}: republishing the trades of {archive} into replay.{request.Version}.trades");
        if (!Interactive())
        {
            var plain = new PlainCount(log, request.Version.Name);
            return await ArchiveReplay.RepublishAsync(options, kafka, database, archive, request, configured, plain, log, ct);
        }
        return await AnsiConsole
            .Progress()
            .Columns(new TaskDescriptionColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
            .StartAsync(async progress =>
            {
                var task = progress.AddTask($"republish {request.Version} from the archive");
                task.IsIndeterminate = true;
                var started = DateTime.UtcNow;
                var result = await ArchiveReplay.RepublishAsync(
                    options,
                    kafka,
                    database,
                    archive,
                    request,
                    configured,
                    new Progress<long>(n =>
                    {
                        var rate = n / Math.Max(0.001, (DateTime.UtcNow - started).TotalSeconds);
                        task.Description = $"republish {request.Version} from the archive: {n:N0} records, {rate:N0}/s";
                    }),
                    log,
                    ct
                );
                task.StopTask();
                return result;
            });
    }

    private static long ParseTime(string text, string option) =>
        UnixMicros.TryParseIso(text, out var t)
            ? t.Value
            : throw new InvalidRequestException($"{option} '{text}' is not a date or time; use e.g. 2024-01-01 or 2024-01-01T12:00:00Z");

    private static string Iso(long us) =>
        new UnixMicros(us).ToDateTimeOffset().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static bool Interactive() => !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;

    /// <summary>Republish progress as one log line every few seconds when the output is not a terminal.</summary>
    private sealed class PlainCount(ILogger log, string version) : IProgress<long>
    {
        private readonly DateTime _started = DateTime.UtcNow;
        private DateTime _last = DateTime.MinValue;

        public void Report(long records)
        {
            if (DateTime.UtcNow - _last < TimeSpan.FromSeconds(2))
                return;
            _last = DateTime.UtcNow;
            log.LogInformation(
                "Replay {Version}: {Records} archived records republished, {Rate:F0} records/s",
                version,
                records,
                records / Math.Max(0.001, (DateTime.UtcNow - _started).TotalSeconds)
            );
        }
    }

    /// <summary>Progress as one log line every few seconds when the output is not a terminal.</summary>
    private sealed class PlainProgress(ILogger log, string version) : IProgress<ReplayProgress>
    {
        private DateTime _last = DateTime.MinValue;

        public void Report(ReplayProgress p)
        {
            if (DateTime.UtcNow - _last < TimeSpan.FromSeconds(2))
                return;
            _last = DateTime.UtcNow;
            log.LogInformation(
                "Replay {Version}: {Records}/{Total} records ({Percent:F1}%), {Rate:F0} records/s, {Outputs} written, ETA {Eta}",
                version,
                p.Records,
                p.Total,
                p.Fraction * 100,
                p.RecordsPerSecond,
                p.Outputs,
                p.Remaining?.ToString(@"hh\:mm\:ss") ?? "-"
            );
        }
    }
}
