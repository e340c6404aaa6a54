// The progress display of the commands that show one (backfill, import, replay, twap ingest): one layout for all.
using Spectre.Console;

namespace Pipeline.Cli.Commands;

internal static class ProgressBars
{
    /// <summary>A progress display with a bar, percentage and time left per task.</summary>
    public static Progress Create() =>
        AnsiConsole
            .Progress()
            .Columns(
                new TaskDescriptionColumn(),
                new ProgressBarColumn(),
                new PercentageColumn(),
                new RemainingTimeColumn(),
                new SpinnerColumn()
            );
}
