// `pipeline import` and `pipeline backfill` with --metrics-port (issue 9): while they run, /metrics shows their progress.
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Pipeline.Testing;

namespace Pipeline.Foundation.Tests;

public sealed class CommandMetricsTests : IDisposable
{
    private const long Jan1Ms = 1_735_689_600_000; // 2025-01-01T00:00:00Z
    private readonly MetricsProcesses _commands = new();

    public void Dispose() => _commands.Dispose();

    [Fact]
    public async Task Import_serves_its_progress_and_rows_on_the_metrics_port_while_it_runs()
    {
        await using var kafka = await TestKafka.StartAsync(partitions: 1);
        // 25,000 trades in the documented dump layout: id,price,qty,quote_qty,time,is_buyer_maker,is_best_match.
        var file = Path.Combine(TestDirectories.Create("import-metrics"), "BTCUSDT-trades-2025-01-01.csv");
        await File.WriteAllLinesAsync(
            file,
            Enumerable
                .Range(0, 25_000)
                .Select(i =>
                    $"{1000 + i},93000.{i % 100:D2},0.00100000,93.00000000,{Jan1Ms + i * 10},{(i % 2 == 0 ? "True" : "False")},True"
                )
        );
        var port = Pipeline.Embedded.FreePort.Next();
        // Nothing takes the rows, so the import then waits for a processor: its metrics stay up meanwhile.
        Start(kafka, [], "import", "binance-dump", file, "--wait", "600", "--metrics-port", port.ToString());

        var rows = await Eventually.GetAsync(
            () => ScrapeAsync(port, "pipeline_import_rows_total", "instrument=\"binance:BTC/USDT:spot\""),
            v => v is 25_000,
            TimeSpan.FromSeconds(120),
            "25,000 imported rows on /metrics"
        );
        Assert.Equal(25_000, rows);
        var scrape = await _commands.ScrapeAsync(port);
        Assert.True(
            scrape.Sum("pipeline_import_progress", "file=\"BTCUSDT-trades-2025-01-01.csv\"") == 1,
            string.Join("\n", scrape.Series.Where(x => x.Name.Contains("import")).Select(x => $"{x.Name}{{{x.Labels}}} {x.Value}"))
        );
    }

    [Fact]
    public async Task Backfill_serves_its_progress_on_the_metrics_port_while_it_runs()
    {
        await using var kafka = await TestKafka.StartAsync(partitions: 1);
        var scraped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var pages = 0;
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        await using var venue = builder.Build();
        // Binance klines, 720 a page: the second page waits until the test has seen the first one's progress.
        venue.MapGet(
            "/api/v3/klines",
            async (long startTime, long endTime) =>
            {
                if (Interlocked.Increment(ref pages) > 1)
                    await scraped.Task;
                var rows = new JsonArray();
                for (var t = (startTime + 59_999) / 60_000 * 60_000; t <= endTime && rows.Count < 720; t += 60_000)
                    rows.Add(
                        JsonNode.Parse(
                            $"""[{t},"93000.10","93010.00","92990.00","93005.50","1.5",{t + 59_999},"139508.25",42,"0.7","65103.85","0"]"""
                        )
                    );
                return Results.Text(rows.ToJsonString(), "application/json");
            }
        );
        await venue.StartAsync();
        var port = Pipeline.Embedded.FreePort.Next();
        var backfill = Start(
            kafka,
            new() { ["PIPELINE__EXCHANGES__BINANCE__REST"] = venue.Urls.First() },
            "backfill",
            "--exchange",
            "binance",
            "--instrument",
            "BTC/USDT",
            "--interval",
            "1m",
            "--from",
            "2025-01-01",
            "--to",
            "2025-01-02",
            "--metrics-port",
            port.ToString()
        );

        var half = await Eventually.GetAsync(
            () => ScrapeAsync(port, "pipeline_backfill_progress", "instrument=\"binance:BTC/USDT:spot\""),
            v => v > 0,
            TimeSpan.FromSeconds(120),
            "backfill progress on /metrics"
        );
        scraped.SetResult();
        Assert.Equal(0.5, half);
        Assert.True(await backfill.WaitForExitAsync(TimeSpan.FromSeconds(120)), "the backfill did not finish");
        Assert.Equal(0, backfill.ExitCode);
    }

    private ChildProcess Start(TestKafka kafka, Dictionary<string, string?> env, params string[] args) =>
        _commands.Start(
            new Dictionary<string, string?>(env)
            {
                ["PIPELINE__KAFKA__BOOTSTRAP"] = kafka.BootstrapServers,
                ["PIPELINE__DATADIR"] = TestDirectories.Create("command-metrics-data"),
            },
            args
        );

    private Task<double?> ScrapeAsync(int port, string name, params string[] labels) => _commands.SumAsync(port, name, labels);
}
