// `pipeline archive compact [--day YYYY-MM-DD]`: a closed day's small segment files into one day file per folder, exactly once.
using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Pipeline.Archive;
using Pipeline.Plumbing.Configuration;
using Pipeline.Plumbing.ObjectStorage;

namespace Pipeline.Cli.Commands;

public static class ArchiveCompactCommand
{
    public static Command Create(Option<string?> config)
    {
        var day = new Option<string?>("--day") { Description = "only this UTC day (YYYY-MM-DD); default: every closed day" };
        var command = new Command(
            "compact",
            "Compact the small files of closed days into one Parquet file per dataset, exchange, symbol and day (manifests stay provable). "
                + "A day is closed once it ended more than Archive:RollSeconds ago. Needs S3:Bucket."
        );
        command.Options.Add(day);
        command.SetAction(
            (parse, _) =>
                CliRunner.RunAsync(async ct =>
                {
                    var options = ConfigLoader.Load(parse, config);
                    if (!options.S3.IsConfigured)
                        throw new PipelineConfigurationException([
                            "configuration: S3:Bucket is not set; give the archive a bucket with PIPELINE__S3__BUCKET (and "
                                + "PIPELINE__S3__ENDPOINT for a non-AWS store)",
                        ]);
                    var grace = TimeSpan.FromSeconds(options.Archive.RollSeconds);
                    var now = DateTime.UtcNow;
                    Func<DateOnly, bool> compactDay = d => ArchiveCompactor.IsClosed(d, now, grace);
                    if (parse.GetValue(day) is { } text)
                    {
                        if (!DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var only))
                            throw new PipelineConfigurationException([$"--day '{text}' is not a day; write YYYY-MM-DD (UTC)"]);
                        if (!ArchiveCompactor.IsClosed(only, now, grace))
                            throw new PipelineConfigurationException([
                                $"--day {text} is not closed yet (it closes {options.Archive.RollSeconds} s after its end); "
                                    + "compact it later",
                            ]);
                        compactDay = d => d == only;
                    }
                    using var loggers = PipelineServices.CreateLoggerFactory();
                    using var client = S3ClientFactory.Create(options.S3);
                    var compactor = new ArchiveCompactor(
                        new ArchiveStore(client, options.S3.Bucket!, options.Archive.MultipartThresholdBytes),
                        new ArchiveLayout(options.S3.Prefix),
                        loggers.CreateLogger("archive-compact")
                    );
                    foreach (var dataset in ArchiveDataset.All)
                    {
                        var result = await compactor.CompactAsync(dataset, compactDay, ct);
                        Console.WriteLine(
                            $"{dataset.Name, -11} folders={result.Folders} files merged={result.FilesMerged} rows={result.Rows}"
                                + (
                                    result.FoldersDeferred > 0
                                        ? $" (deferred {result.FoldersDeferred} folders with a segment still being written)"
                                        : ""
                                )
                        );
                    }
                    return 0;
                })
        );
        return command;
    }
}
