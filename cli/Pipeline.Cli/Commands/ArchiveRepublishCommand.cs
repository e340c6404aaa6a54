// `pipeline archive republish --from-archive s3://bucket/prefix --from T --to T2 --into V`: archived trades of [T, T2) into the
// replay version's input topic replay.<V>.trades, exactly once (rerun after a crash continues, never duplicates).
using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Pipeline.Archive;
using Pipeline.Cli.Replay;
using Pipeline.Plumbing.Configuration;
using Pipeline.Plumbing.Errors;
using Pipeline.Plumbing.Kafka;
using Pipeline.Plumbing.ObjectStorage;
using Pipeline.Schemas;

namespace Pipeline.Cli.Commands;

public static class ArchiveRepublishCommand
{
    public static Command Create(Option<string?> config)
    {
        var archive = new Option<string>("--from-archive")
        {
            Description = "the archive: s3://bucket/prefix (endpoint and credentials from S3:* / AWS_* settings)",
            Required = true,
        };
        var from = new Option<string>("--from")
        {
            Description = "start, exchange time (UTC), e.g. 2025-01-15 or 2025-01-15T12:00:00Z",
            Required = true,
        };
        var to = new Option<string>("--to") { Description = "end, exclusive (UTC)", Required = true };
        var into = new Option<string>("--into")
        {
            Description = "the replay version to write (topic replay.<version>.trades)",
            Required = true,
        };
        var instrument = new Option<string[]>("--instrument")
        {
            Description = "only these instrument keys (exchange:BASE/QUOTE:market); default: all",
            AllowMultipleArgumentsPerToken = true,
        };
        var chunk = new Option<int>("--transaction-records")
        {
            Description = "records per Kafka transaction (default 20000); a crash redoes at most one transaction",
            DefaultValueFactory = _ => 20_000,
        };
        var command = new Command(
            "republish",
            "Republish archived trades of [--from, --to) into replay.<version>.trades in exchange-time order, each instrument followed "
                + "by an end-of-input mark; exactly once, resumable. Uses Kafka:Bootstrap, "
                + "else the embedded broker of a running `pipeline up`."
        );
        command.Options.Add(archive);
        command.Options.Add(from);
        command.Options.Add(to);
        command.Options.Add(into);
        command.Options.Add(instrument);
        command.Options.Add(chunk);
        command.SetAction(
            (parse, _) =>
                CliRunner.RunAsync(async ct =>
                {
                    var options = ConfigLoader.Load(parse, config);
                    var request = Request(parse.GetValue(from)!, parse.GetValue(to)!, parse.GetValue(into)!, parse.GetValue(instrument));
                    var (bucket, prefix) = ArchiveAddress.Parse(parse.GetValue(archive)!);
                    options.S3.Bucket = bucket;
                    options.S3.Prefix = prefix;
                    RunningPipeline.UseItsKafka(options);
                    using var loggers = PipelineServices.CreateLoggerFactory();
                    var log = loggers.CreateLogger("republish");
                    using var client = S3ClientFactory.Create(options.S3);
                    var store = new ArchiveStore(client, bucket, options.Archive.MultipartThresholdBytes);
                    var n = parse.GetValue(chunk);
                    if (n is < 1 or > 1_000_000)
                        throw new PipelineConfigurationException([$"--transaction-records {n} must be 1..1000000"]);
                    var republisher = new ArchiveRepublisher(store, new ArchiveLayout(prefix), KafkaClientSettings.From(options.Kafka), log)
                    {
                        TransactionRecords = parse.GetValue(chunk),
                        KillMidTransactionAfterCommits = int.TryParse(
                            Environment.GetEnvironmentVariable("PIPELINE_TEST_REPUBLISH_KILL_AFTER_COMMITS"),
                            out var k
                        )
                            ? k
                            : null,
                    };
                    RepublishResult result;
                    try
                    {
                        result = await republisher.RunAsync(
                            request,
                            options.Kafka.Partitions,
                            options.Kafka.ReplicationFactor,
                            new Progress<long>(n => Console.Error.WriteLine($"republished {n:N0} records")),
                            ct
                        );
                    }
                    catch (Exception e) when (!ct.IsCancellationRequested && Replay.ArchiveReplay.S3Fault(e, options.S3) is { } line)
                    {
                        throw new DependencyUnavailableException(line, e);
                    }
                    Console.WriteLine(
                        $"{result.Topic}: {result.Trades} trades and {result.Marks} end-of-input marks written"
                            + (
                                result.AlreadyCommitted > 0
                                    ? $" ({result.AlreadyCommitted} records were already committed by an earlier run)"
                                    : ""
                            )
                    );
                    return 0;
                })
        );
        return command;
    }

    public static RepublishRequest Request(string from, string to, string into, string[]? instruments)
    {
        var problems = new List<string>();
        var fromUs = ParseTime(from, "--from", problems);
        var toUs = ParseTime(to, "--to", problems);
        if (!DataVersion.TryParse(into, out var version, out var problem))
            problems.Add($"--into: {problem}");
        else if (version.IsLive)
            problems.Add("--into: 'live' is the live version; name a new version (e.g. v2)");
        if (problems.Count == 0 && fromUs >= toUs)
            problems.Add($"--from {from} is not before --to {to}; give a non-empty range");
        foreach (var key in instruments ?? [])
            if (!InstrumentKey.TryParse(key, out _))
                problems.Add($"--instrument '{key}' is not an instrument key (exchange:BASE/QUOTE:market, e.g. binance:BTC/USDT:spot)");
        if (problems.Count > 0)
            throw new PipelineConfigurationException(problems);
        var keys = instruments is { Length: > 0 }
            ? instruments.Select(k => InstrumentKey.Format(InstrumentKey.Parse(k))).ToHashSet()
            : null;
        return new RepublishRequest(version!, fromUs, toUs, keys);
    }

    private static long ParseTime(string text, string option, List<string> problems)
    {
        if (
            DateTimeOffset.TryParse(
                text,
                CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal,
                out var t
            )
        )
            return (t.UtcTicks - DateTime.UnixEpoch.Ticks) / 10;
        problems.Add($"{option} '{text}' is not a time; write 2025-01-15 or 2025-01-15T12:00:00Z (UTC)");
        return 0;
    }
}
