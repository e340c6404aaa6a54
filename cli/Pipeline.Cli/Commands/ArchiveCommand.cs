// `pipeline archive`: the Parquet archive sink on S3 in its own process; `pipeline archive verify`: prove the archive gap-free.
using System.CommandLine;
using Microsoft.Extensions.Logging;
using Pipeline.Archive;
using Pipeline.Plumbing.Configuration;
using Pipeline.Plumbing.ObjectStorage;

namespace Pipeline.Cli.Commands;

public static class ArchiveCommand
{
    public static Command Create(Option<string?> config)
    {
        var command = new Command(
            "archive",
            "Run the archive sink: trades.valid, candles.final and indicators as Parquet on S3, "
                + "exactly once. Needs Kafka:Bootstrap and S3:Bucket."
        );
        var metricsPort = MetricsServer.PortOption();
        command.Options.Add(metricsPort);
        command.SetAction(
            (parse, _) =>
                CliRunner.RunAsync(async ct =>
                {
                    var options = ConfigLoader.Load(parse, config);
                    RequireS3(options);
                    // /metrics and /ready ("archive holding N records, S3 unreachable since …" while S3 refuses data).
                    await using var services = await StandaloneServices.StartAsync(
                        options,
                        parse.GetValue(metricsPort),
                        needsDatabase: false,
                        ct
                    );
                    var loggers = services.Loggers;
                    return await UpCommand.RunRolesAsync(
                        services.Context,
                        loggers.CreateLogger("pipeline"),
                        ct,
                        ("archive", ArchiveRole.RunAsync)
                    );
                })
        );
        command.Subcommands.Add(Verify(config));
        command.Subcommands.Add(ArchiveRepublishCommand.Create(config));
        command.Subcommands.Add(ArchiveCompactCommand.Create(config));
        return command;
    }

    private static Command Verify(Option<string?> config)
    {
        var partitions = new Option<int>("--partitions") { Description = "Partitions of each archived topic (default: Kafka:Partitions)" };
        var command = new Command(
            "verify",
            "Check the archive's manifests: per partition contiguous offset ranges, no overlap, no hole, every file present"
        );
        command.Options.Add(partitions);
        command.SetAction(
            (parse, _) =>
                CliRunner.RunAsync(async ct =>
                {
                    var options = ConfigLoader.Load(parse, config);
                    RequireS3(options);
                    var count = parse.GetValue(partitions) is > 0 and var n ? n : options.Kafka.Partitions;
                    using var client = S3ClientFactory.Create(options.S3);
                    var verifier = new ArchiveVerifier(
                        new ArchiveStore(client, options.S3.Bucket!, options.Archive.MultipartThresholdBytes),
                        new ArchiveLayout(options.S3.Prefix)
                    );
                    var ok = true;
                    foreach (var dataset in ArchiveDataset.All)
                    {
                        var result = await verifier.VerifyAsync(dataset, count, ct);
                        var ranges = string.Join(
                            ", ",
                            result.Covered.OrderBy(c => c.Key).Select(c => $"{c.Key}:{c.Value.First}-{c.Value.Last}")
                        );
                        Console.WriteLine(
                            $"{dataset.Name, -11} records={result.Records, -10} {(result.Ok ? "contiguous" : "FAULTY")} {ranges}"
                        );
                        foreach (var problem in result.Problems)
                            Console.WriteLine($"  {problem}");
                        ok &= result.Ok;
                    }
                    return ok ? 0 : CliRunner.ExitFailure;
                })
        );
        return command;
    }

    private static void RequireS3(PipelineOptions options)
    {
        if (!options.S3.IsConfigured)
            throw new PipelineConfigurationException([
                "configuration: S3:Bucket is not set; give the archive a bucket with PIPELINE__S3__BUCKET (and "
                    + "PIPELINE__S3__ENDPOINT for a non-AWS store)",
            ]);
    }
}
