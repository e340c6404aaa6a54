// Cost of `pipeline import binance-dump`: CSV parsing alone, and the whole import into the embedded broker,
// against the baseline of publishing the same already-built trades through the same producer.
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Plumbing.Configuration;
using Pipeline.Producers;
using Pipeline.Producers.Publishing;
using Pipeline.Producers.Venues;
using Pipeline.Producers.Venues.Binance.Dumps;
using Pipeline.Schemas.V1;
using Pipeline.Testing;

namespace Pipeline.Benchmarks.Producers;

public sealed class DumpImportBenchmark : IBenchmark
{
    public string Name => "producers-dump-import";

    public async Task RunAsync(BenchmarkReport report, CancellationToken ct)
    {
        const int rows = 1_000_000;
        var dir = TestDirectories.Create("bench-import");
        var file = Path.Combine(dir, "BTCUSDT-trades-2025-01-01.csv");
        var rng = new Random(7);
        var t0 = 1_735_689_600_000_000L;
        await using (var w = new StreamWriter(file, false, new UTF8Encoding(false), 1 << 20))
        {
            var price = 93_000m;
            for (var i = 0; i < rows; i++)
            {
                price += rng.Next(-5, 6) / 100m;
                var qty = rng.Next(1, 200_000) / 100_000_000m * 1000;
                var buyerIsMaker = i % 3 == 0 ? "True" : "False";
                await w.WriteLineAsync(
                    $"{4_000_000_000L + i},{Exact(price)},{Exact(qty)},{Exact(price * qty)},{t0 + i * 86_400L},{buyerIsMaker},True"
                );
            }
        }
        var instrument = InstrumentRef.Create("binance", "BTC", "USDT", MarketType.Spot);

        // Parsing alone: text line → Trade, exact decimals.
        var sw = Stopwatch.StartNew();
        long parsed = 0;
        foreach (var line in File.ReadLines(file))
        {
            _ = BinanceDumpParser.ParseTrade(line, BinanceDumpKind.Trades, instrument, "BTCUSDT", 0);
            parsed++;
        }
        report.Add("dump rows parsed", parsed / sw.Elapsed.TotalSeconds, "rows/s");

        await using var kafka = await TestKafka.StartAsync(partitions: 1);
        var trades = File.ReadLines(file)
            .Select(l => BinanceDumpParser.ParseTrade(l, BinanceDumpKind.Trades, instrument, "BTCUSDT", 0))
            .ToList();
        double baseline = 0,
            import = 0;
        // Alternating rounds, best of three each, so broker warm-up and JIT do not favour either side.
        for (var round = 0; round < 3; round++)
        {
            // Baseline: the same trades, already built, through the same idempotent producer to the same broker.
            using (var publisher = new TopicPublisher(kafka.Settings, "bench-baseline", NullLogger.Instance))
            {
                sw.Restart();
                foreach (var t in trades)
                    await publisher.PublishAsync(t, ct);
                await publisher.FlushAsync(ct);
                baseline = Math.Max(baseline, rows / sw.Elapsed.TotalSeconds);
            }
            using (var publisher = new TopicPublisher(kafka.Settings, "bench-import", NullLogger.Instance))
            {
                var importer = new BinanceDumpImporter(
                    new VenueListings(PipelineConfiguration.DefaultInstruments()),
                    publisher,
                    NullLogger.Instance
                );
                sw.Restart();
                var result = await importer.ImportAsync([file], null, ct);
                import = Math.Max(import, result.Trades.Values.Sum() / sw.Elapsed.TotalSeconds);
            }
        }
        report.Add("prebuilt trades published", baseline, "rows/s");
        report.Add(
            "dump imported (parse + publish + end-of-input)",
            import,
            "rows/s",
            baseline: "prebuilt trades published",
            targetRatio: 0.8
        );
    }

    /// <summary>A decimal as the dumps write it: 8 fixed decimals.</summary>
    private static string Exact(decimal d) => d.ToString("0.00000000", CultureInfo.InvariantCulture);
}
