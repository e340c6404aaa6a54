// Archive: trades.valid rows/s written to S3 (real radosgw) by the archive role, against Parquet.Net writing the same rows to a
// local file in the same run (goal ≥ 0.7), and bytes per trade row in the archive's Parquet files.
using System.Diagnostics;
using System.Globalization;
using Confluent.Kafka;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Pipeline.Archive;
using Pipeline.Plumbing;
using Pipeline.Plumbing.Configuration;
using Pipeline.Plumbing.ObjectStorage;
using Pipeline.Plumbing.Serialization;
using Pipeline.Plumbing.Topics;
using Pipeline.Schemas.V1;
using Pipeline.Testing;

namespace Pipeline.Benchmarks.Archive;

public sealed class ArchiveThroughputBenchmark : IBenchmark
{
    private const int Trades = 300_000;
    private const int Partitions = 3;

    public string Name => "archive";

    public async Task RunAsync(BenchmarkReport report, CancellationToken ct)
    {
        await using var kafka = await TestKafka.StartAsync(Partitions);
        var s3 = await (await TestS3.SharedAsync()).CreateBucketAsync("bench");
        var trades = Make(Trades);
        var ends = new long[Partitions];
        using (var producer = new ProducerBuilder<string, byte[]>(kafka.Settings.Producer("bench-archive")).Build())
        {
            foreach (var t in trades)
                producer.Produce(
                    TopicCatalog.ValidTrades.Name,
                    new Message<string, byte[]>
                    {
                        Key = t.Instrument.Key,
                        Value = t.ToByteArray(),
                        Headers = MessageHeaders.For<Trade>(),
                    },
                    r =>
                    {
                        lock (ends)
                            ends[r.Partition.Value] = Math.Max(ends[r.Partition.Value], r.Offset.Value + 1);
                    }
                );
            producer.Flush(TimeSpan.FromSeconds(120));
        }

        // Baseline: the same rows, decoded and written by Parquet.Net into one local file per Hive folder (as the archive groups them).
        var dataset = new TradeArchive();
        var local = TestDirectories.Create("bench-archive");
        var sw = Stopwatch.StartNew();
        var records = trades.Select((t, i) => dataset.Decode(0, i, t.ToByteArray())).ToList();
        foreach (var folder in records.GroupBy(r => r.Folder))
            await File.WriteAllBytesAsync(
                Path.Combine(local, $"{folder.Key.Exchange}-{folder.Key.Symbol}-{folder.Key.Date:yyyyMMdd}.parquet"),
                await dataset.WriteFileAsync(folder.ToList(), ct),
                ct
            );
        var baseline = Trades / sw.Elapsed.TotalSeconds;
        report.Add("parquet.net to a local file", baseline, "rows/s");

        // Measured: the archive role from Kafka to S3 (segments of 16 MiB of Kafka values), until every partition is covered.
        using var client = S3ClientFactory.Create(s3);
        var store = new ArchiveStore(client, s3.Bucket!, long.MaxValue);
        var layout = new ArchiveLayout(s3.Prefix);
        var options = new PipelineOptions
        {
            S3 = s3,
            Archive = new ArchiveOptions { RollBytes = 16L * 1024 * 1024, RollSeconds = 2 },
        };
        using var loggers = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Warning).AddSimpleConsole());
        using var stop = new CancellationTokenSource();
        sw.Restart();
        var role = Task.Run(() => ArchiveRole.RunAsync(new PipelineContext(options, kafka.Settings, null, loggers), stop.Token));
        while (!await CoveredAsync(store, layout, ends, ct))
            await Task.Delay(20, ct);
        var archived = Trades / sw.Elapsed.TotalSeconds;
        await stop.CancelAsync();
        try
        {
            await role;
        }
        catch (OperationCanceledException) { }
        report.Add("archive to S3 (radosgw)", archived, "rows/s", "parquet.net to a local file", 0.7);

        var bytes = (await store.ListAsync(layout.DatasetPrefix("trades"), null, ct)).Sum(o => o.Size ?? 0);
        report.Add("bytes per trade row (archive, zstd)", (double)bytes / Trades, "bytes");
    }

    /// <summary>Every partition's last manifest reaches the end produced (the files are written right after it).</summary>
    private static async Task<bool> CoveredAsync(ArchiveStore store, ArchiveLayout layout, long[] ends, CancellationToken ct)
    {
        for (var p = 0; p < ends.Length; p++)
        {
            if (ends[p] == 0)
                continue;
            var manifests = await store.ListAsync(layout.ManifestPrefix("trades", p), null, ct);
            if (manifests.Count == 0)
                return false;
            var manifest = ArchiveManifest.FromJson(await store.GetAsync(manifests[^1].Key, ct));
            if (manifest.LastOffset < ends[p] - 1)
                return false;
            foreach (var f in manifest.Files)
                if (await store.SizeAsync(f.Key, ct) != f.Bytes)
                    return false;
        }
        return true;
    }

    /// <summary>Trades of four instruments over one day, prices and sizes shaped like a venue's (8 and 5 decimals).</summary>
    private static List<Trade> Make(int count)
    {
        var instruments = new[]
        {
            InstrumentRef.Create("binance", "BTC", "USDT", MarketType.Spot),
            InstrumentRef.Create("binance", "ETH", "USDT", MarketType.Spot),
            InstrumentRef.Create("coinbase", "BTC", "USD", MarketType.Spot),
            InstrumentRef.Create("okx", "SOL", "USDT", MarketType.Perp),
        };
        const long day = 1_736_899_200_000_000;
        var random = new Random(7);
        return Enumerable
            .Range(0, count)
            .Select(n => new Trade
            {
                Instrument = instruments[n % instruments.Length],
                TradeId = 1_000_000 + n,
                Price = Schemas.V1.Decimal.From(
                    decimal.Parse($"{60_000 + random.Next(0, 2000)}.{random.Next(0, 100):D2}", CultureInfo.InvariantCulture)
                ),
                Size = Schemas.V1.Decimal.From(decimal.Parse($"0.{random.Next(1, 100_000):D5}", CultureInfo.InvariantCulture)),
                Aggressor = n % 2 == 0 ? AggressorSide.Buy : AggressorSide.Sell,
                EventTimeUs = day + n * (86_400_000_000L / count),
                ReceiveTimeUs = day + n * (86_400_000_000L / count) + random.Next(500, 5000),
                Origin = Origin.Live,
                VenueSymbol = "BTCUSDT",
            })
            .ToList();
    }
}
