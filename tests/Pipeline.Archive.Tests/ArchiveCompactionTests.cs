// Compaction of closed days: each folder's small segment files become one day file, the manifests still prove every partition
// contiguous, DuckDB reads the compacted layout with every row once, late files are merged by the next run, and the states a
// crash can leave (a merged file still there, a stray day file) end with every row once.
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Plumbing.ObjectStorage;
using Pipeline.Plumbing.Topics;
using Pipeline.Schemas.V1;
using Pipeline.Testing;
using static Pipeline.Archive.Tests.ArchiveRecords;

namespace Pipeline.Archive.Tests;

public sealed class ArchiveCompactionTests
{
    [Fact]
    public async Task Closed_days_compact_to_one_file_per_folder_that_duckdb_reads_with_every_row_once_and_verify_still_proves_contiguity()
    {
        await using var kafka = await TestKafka.StartAsync(partitions: 2);
        var s3 = await (await TestS3.SharedAsync()).CreateBucketAsync("compact");
        using var client = S3ClientFactory.Create(s3);
        var store = new ArchiveStore(client, s3.Bucket!, long.MaxValue);
        var layout = new ArchiveLayout(s3.Prefix);
        var compactor = new ArchiveCompactor(store, layout, NullLogger.Instance);
        var small = new Pipeline.Plumbing.Configuration.ArchiveOptions
        {
            RollBytes = 12_288,
            RollSeconds = 1,
            RetryMaxBackoffMs = 500,
        };

        var trades = Produce(kafka.Settings, TopicCatalog.ValidTrades.Name, Trades(3000), t => t.Instrument.Key);
        var candles = Produce(
            kafka.Settings,
            TopicCatalog.FinalCandles.Name,
            Enumerable.Range(0, 200).Select(k => FinalCandle(k, $"101.{k:D3}", vwap: k % 2 == 0 ? D("100.25") : null)),
            c => c.Instrument.Key
        );
        var indicators = Produce(
            kafka.Settings,
            TopicCatalog.Indicators.Name,
            Enumerable.Range(0, 200).Select(k => Indicator(k, "macd(12,26,9)", "macd", 0.5 + k, "signal")),
            i => i.Instrument.Key
        );
        await using (RunningArchive.Start(kafka.Settings, s3, small))
            await ArchiveProgress.AllArchivedAsync(s3, 2, trades, candles, indicators);

        var before = await DataFilesAsync(store, s3.Prefix);
        var crowded = before.GroupBy(Folder).Where(g => g.Count() > 1).Select(g => g.Key).ToHashSet();
        Assert.True(crowded.Count >= 4, string.Join("\n", before.GroupBy(Folder).Select(g => $"{g.Key}: {g.Count()}")));
        Assert.True(before.Count > before.Select(Folder).Distinct().Count(), "more files than folders before compaction");
        // A segment file as it was, to put back later: the state a crash between the compaction record and the deletes leaves.
        var survivor = before.First(k => k.Contains("/trades/"));
        var survivorBytes = await store.GetAsync(survivor, default);

        foreach (var dataset in ArchiveDataset.All)
            await compactor.CompactAsync(dataset, d => ArchiveCompactor.IsClosed(d, DateTime.UtcNow, TimeSpan.FromSeconds(1)), default);

        var after = await DataFilesAsync(store, s3.Prefix);
        Assert.Equal(before.Select(Folder).Distinct().Order(), after.Select(Folder).Order());
        // A folder with a single segment file keeps it; every other folder now holds one day file.
        Assert.All(after.Where(k => crowded.Contains(Folder(k))), k => Assert.Matches(@"/day-\d{4}-\d{2}-\d{2}-c1\.parquet$", k));
        await AssertArchiveHoldsOnceAsync(s3, trades.Count, candles.Count, indicators.Count * 2, FirstDay(trades));

        // Late trades of the compacted days arrive (the archive restarts on compacted segments without rewriting them), a
        // merged file reappears and a stray day file lies around: the next run ends with one file per folder, every row once.
        var late = Produce(
            kafka.Settings,
            TopicCatalog.ValidTrades.Name,
            Trades(300)
                .Select(t =>
                {
                    t.TradeId += 1_000_000;
                    return t;
                }),
            t => t.Instrument.Key
        );
        await using (RunningArchive.Start(kafka.Settings, s3, small))
            await Eventually.TrueAsync(
                () => ArchiveProgress.CoversAsync(s3, ArchiveDataset.All[0], ArchiveProgress.Ends(trades.Concat(late), 2)),
                TimeSpan.FromSeconds(90),
                "late trades archived"
            );
        await store.PutAsync(survivor, survivorBytes, default);
        var stray = layout.CompactedKey("trades", layout.FolderOf("trades", survivor), new DateOnly(2025, 1, 15), 9);
        await store.PutAsync(stray, survivorBytes, default);
        foreach (var dataset in ArchiveDataset.All)
            await compactor.CompactAsync(dataset, d => ArchiveCompactor.IsClosed(d, DateTime.UtcNow, TimeSpan.FromSeconds(1)), default);

        var final = await DataFilesAsync(store, s3.Prefix);
        Assert.Equal(final.Select(Folder).Distinct().Count(), final.Count);
        Assert.Contains(final, k => k.EndsWith("-c2.parquet"));
        await AssertArchiveHoldsOnceAsync(
            s3,
            trades.Count + late.Count,
            candles.Count,
            indicators.Count * 2,
            FirstDay(trades) + FirstDay(late)
        );

        // The republisher reads the compacted layout too.
        var republished = await new ArchiveRepublisher(store, layout, kafka.Settings, NullLogger.Instance).RunAsync(
            new RepublishRequest(Schemas.DataVersion.TryParse("compacted", out var v, out _) ? v : null!, Day, Day + 2 * 86_400_000_000L),
            2,
            1,
            null,
            default
        );
        Assert.Equal(trades.Concat(late).Count(t => t.Record.EventTimeUs < Day + 2 * 86_400_000_000L), republished.Trades);
    }

    [Fact]
    public async Task The_archive_role_compacts_closed_days_by_itself_to_one_file_per_folder_with_every_row_once()
    {
        await using var kafka = await TestKafka.StartAsync(partitions: 2);
        var s3 = await (await TestS3.SharedAsync()).CreateBucketAsync("autocompact");
        // Once read through a pool shared with the role (a client with another timeout got its own): after the role was stopped
        // mid-request, the next request on the shared pool failed in HttpConnection.ParseStatusLine, 3 runs of 3. Every
        // factory client now has its own pool and retries that failure (S3TornResponseTests).
        using var client = S3ClientFactory.Create(s3);
        var store = new ArchiveStore(client, s3.Bucket!, long.MaxValue);
        var layout = new ArchiveLayout(s3.Prefix);
        // Small segments, days of 2025-01-15/16 long closed: the role's compactor (checking every second) merges them while
        // the writers still write, so it also meets segments being written (deferred to a later round, then merged).
        var options = new Pipeline.Plumbing.Configuration.ArchiveOptions
        {
            RollBytes = 12_288,
            RollSeconds = 1,
            RetryMaxBackoffMs = 500,
            CompactClosedDaysAfterSeconds = 1,
            CompactCheckSeconds = 1,
        };
        Assert.Empty(options.Problems());
        var trades = Produce(
            kafka.Settings,
            TopicCatalog.ValidTrades.Name,
            Trades(3000).Where(t => t.EventTimeUs < Day + 2 * 86_400_000_000L),
            t => t.Instrument.Key
        );
        await using (RunningArchive.Start(kafka.Settings, s3, options))
        {
            await Eventually.TrueAsync(
                () => ArchiveProgress.CoversAsync(s3, ArchiveDataset.All[0], ArchiveProgress.Ends(trades, 2)),
                TimeSpan.FromSeconds(90),
                "trades archived"
            );
            await Eventually.TrueAsync(
                async () =>
                {
                    return (await DataFilesAsync(store, s3.Prefix)).GroupBy(Folder).All(g => g.Count() == 1);
                },
                TimeSpan.FromSeconds(90),
                "one file per folder"
            );
        }

        var files = await DataFilesAsync(store, s3.Prefix);
        Assert.Equal(4, files.Count); // 2 instruments x 2 days
        Assert.All(
            files,
            k => Assert.Matches(@"/trades/exchange=[^/]+/symbol=[^/]+/date=2025-01-1[56]/day-2025-01-1[56]-c\d+\.parquet$", k)
        );
        var merged = 0;
        foreach (var file in files)
        {
            var record = ArchiveCompaction.FromJson(
                (await store.TryGetAsync(layout.CompactionKey("trades", layout.FolderOf("trades", file)), default))!
            );
            Assert.Equal(file, record.File.Key);
            merged += record.Sources.Count;
        }
        Assert.True(merged > 2 * files.Count, $"only {merged} segment files were merged into {files.Count} day files");
        Assert.Empty((await ArchiveProgress.VerifyAsync(s3, ArchiveDataset.All[0], 2)).Problems);
        ArchiveExactlyOnceTests.AssertArchivedOnce(await ArchiveReadBack.DownloadAsync(s3), s3.Prefix, trades);
    }

    private static async Task AssertArchiveHoldsOnceAsync(
        Pipeline.Plumbing.Configuration.S3Options s3,
        int trades,
        int candles,
        int indicatorRows,
        int firstDayTrades
    )
    {
        foreach (var dataset in ArchiveDataset.All)
        {
            var verification = await ArchiveProgress.VerifyAsync(s3, dataset, 2);
            Assert.True(verification.Ok, string.Join("\n", verification.Problems));
        }
        var archive = await ArchiveReadBack.DownloadAsync(s3);
        var t = archive
            .Query(
                $"""
                SELECT count(*), count(DISTINCT (kafka_partition, kafka_offset))
                FROM read_parquet('{archive.Glob(s3.Prefix, "trades")}', hive_partitioning = true)
                """
            )
            .Single();
        Assert.Equal([trades, trades], t.Select(Convert.ToInt64).Select(x => (int)x));
        var c = archive
            .Query(
                $"""
                SELECT count(*), count(DISTINCT (kafka_partition, kafka_offset)), count(vwap), sum(trade_count)::BIGINT
                FROM read_parquet('{archive.Glob(s3.Prefix, "candles")}', hive_partitioning = true)
                """
            )
            .Single();
        Assert.Equal([candles, candles, candles / 2, Enumerable.Range(0, candles).Sum()], c.Select(Convert.ToInt64).Select(x => (int)x));
        var i = archive
            .Query(
                $"""
                SELECT count(*), count(value), sum(value) FROM read_parquet('{archive.Glob(
                    s3.Prefix,
                    "indicators"
                )}', hive_partitioning = true)
                """
            )
            .Single();
        Assert.Equal(indicatorRows, Convert.ToInt32(i[0]));
        Assert.Equal(indicatorRows / 2, Convert.ToInt32(i[1]));
        Assert.Equal(Enumerable.Range(0, indicatorRows / 2).Sum(k => 0.5 + k), Convert.ToDouble(i[2]), 6);
        // Time filters still find every row (the day file's footer statistics are true microseconds).
        var firstDay = archive
            .Query(
                $"""
                SELECT count(*) FROM read_parquet('{archive.Glob(s3.Prefix, "trades")}') WHERE event_time < '2025-01-16 00:00:00+00'
                """
            )
            .Single();
        Assert.Equal(firstDayTrades, Convert.ToInt32(firstDay[0]));
    }

    private static async Task<List<string>> DataFilesAsync(ArchiveStore store, string prefix) =>
        (await store.ListAsync(prefix + "/", null, default))
            .Select(o => o.Key)
            .Where(k => k.EndsWith(".parquet") && !k.Contains("/_manifests/") && !k.Contains("/_compactions/"))
            .ToList();

    private static int FirstDay(List<(int Partition, long Offset, Trade Record)> trades) =>
        trades.Count(t => t.Record.EventTimeUs < Day + 86_400_000_000L);

    private static string Folder(string key) => key[..key.LastIndexOf('/')];
}
