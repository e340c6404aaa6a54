// Exactly once under crashes: kill -9 of `pipeline archive` mid-upload, and a segment whose files were not written, leave every
// trade in the archive once (checked by reading every object back with DuckDB) and the manifests gap-free (outage: ArchiveOutageTests).
using Pipeline.Plumbing.Topics;
using Pipeline.Schemas.V1;
using Pipeline.Testing;
using static Pipeline.Archive.Tests.ArchiveRecords;

namespace Pipeline.Archive.Tests;

public sealed class ArchiveExactlyOnceTests
{
    internal static void AssertArchivedOnce(ArchiveReadBack archive, string prefix, List<(int Partition, long Offset, Trade Record)> trades)
    {
        var rows = archive.Query(
            $"""
            SELECT kafka_partition, kafka_offset, trade_id, price::VARCHAR FROM read_parquet('{archive.Glob(prefix, "trades")}')
            """
        );
        var expected = trades.ToDictionary(t => (t.Partition, t.Offset), t => t.Record);
        var seen = new HashSet<(int, long)>();
        foreach (var r in rows)
        {
            var at = (Convert.ToInt32(r[0]), Convert.ToInt64(r[1]));
            Assert.True(seen.Add(at), $"trade at {at} is archived twice");
            Assert.True(expected.TryGetValue(at, out var t), $"trade at {at} was never produced");
            Assert.Equal(t!.TradeId, Convert.ToInt64(r[2]));
            Assert.Equal(t.Price.ToDecimal(), decimal.Parse((string)r[3]!, System.Globalization.CultureInfo.InvariantCulture));
        }
        Assert.Equal(expected.Count, seen.Count);
    }

    [Fact]
    public async Task Archive_killed_with_sigkill_mid_upload_archives_every_trade_once()
    {
        await using var kafka = await TestKafka.StartAsync(partitions: 3);
        var s3 = await (await TestS3.SharedAsync()).CreateBucketAsync("crash");
        var trades = Produce(kafka.Settings, TopicCatalog.ValidTrades.Name, Trades(6_000), t => t.Instrument.Key);
        var ends = ArchiveProgress.Ends(trades, 3);
        var log = Path.Combine(TestDirectories.Create("archive-kill"), "archive.log");

        // Small segments (~16 KiB of records, two or three files each): uploads run back to back, so each kill
        // lands inside one (between the manifest and the last file, or inside a PUT).
        var kills = 0;
        var manifests = 0;
        for (var run = 0; run < 4; run++)
        {
            using var archive = ArchiveProcess.Start(kafka.BootstrapServers, 3, s3, rollBytes: 8 * 1024, log);
            var target = manifests + 6;
            // Regression (CI 18:18): when fewer than 6 segments were left, waiting for 6 more never ended. Progress is
            // 6 more manifests or everything archived, whichever comes first.
            var progress = await Eventually.GetAsync(
                async () =>
                    (
                        Manifests: await ArchiveProgress.ManifestCountAsync(s3),
                        Done: await ArchiveProgress.CoversAsync(s3, ArchiveDataset.All[0], ends)
                    ),
                p => p.Manifests >= target || p.Done,
                TimeSpan.FromSeconds(90),
                "the archive to make progress"
            );
            manifests = progress.Manifests;
            if (progress.Done)
                break;
            archive.Kill();
            kills++;
        }
        using (ArchiveProcess.Start(kafka.BootstrapServers, 3, s3, rollBytes: 256 * 1024, log))
            await Eventually.TrueAsync(
                () => ArchiveProgress.CoversAsync(s3, ArchiveDataset.All[0], ends),
                TimeSpan.FromSeconds(120),
                "every trade archived"
            );

        Assert.True(kills >= 3, $"the archive was killed only {kills} times; the test did not exercise crashes");
        var verification = await ArchiveProgress.VerifyAsync(s3, ArchiveDataset.All[0], 3);
        Assert.Empty(verification.Problems);
        Assert.Equal(trades.Count, verification.Records);
        AssertArchivedOnce(await ArchiveReadBack.DownloadAsync(s3), "crash", trades);
    }

    [Fact]
    public async Task A_segment_whose_manifest_was_written_but_whose_files_were_not_is_rewritten_under_the_same_names_on_restart()
    {
        // The crash window kill -9 rarely hits (Parquet building dominates, uploads are fast): manifest written, a file
        // missing, position not committed. Reproduced exactly: delete the last segment's files and rewind the position.
        await using var kafka = await TestKafka.StartAsync(partitions: 1);
        var s3 = await (await TestS3.SharedAsync()).CreateBucketAsync("redo");
        var trades = Produce(kafka.Settings, TopicCatalog.ValidTrades.Name, Trades(3000), t => t.Instrument.Key);
        var ends = ArchiveProgress.Ends(trades, 1);
        var settings = new Pipeline.Plumbing.Configuration.ArchiveOptions
        {
            RollSeconds = 1,
            RollBytes = 64 * 1024,
            RetryMaxBackoffMs = 500,
        };
        await using (RunningArchive.Start(kafka.Settings, s3, settings))
            await Eventually.TrueAsync(
                () => ArchiveProgress.CoversAsync(s3, ArchiveDataset.All[0], ends),
                TimeSpan.FromSeconds(60),
                "archived"
            );

        using var client = Pipeline.Plumbing.ObjectStorage.S3ClientFactory.Create(s3);
        var store = new ArchiveStore(client, s3.Bucket!, long.MaxValue);
        var layout = new ArchiveLayout(s3.Prefix);
        var last = (await store.ListAsync(layout.ManifestPrefix("trades", 0), null, default))[^1];
        var manifest = ArchiveManifest.FromJson(await store.GetAsync(last.Key, default));
        Assert.True(manifest.Files.Count >= 2, "the last segment spans two folders");
        await client.DeleteObjectAsync(s3.Bucket, manifest.Files[^1].Key);
        using (
            var rewind = new Confluent.Kafka.ConsumerBuilder<byte[], byte[]>(
                kafka.Settings.Consumer("rewind", "pipeline-archive.trades")
            ).Build()
        )
            rewind.Commit([new Confluent.Kafka.TopicPartitionOffset(TopicCatalog.ValidTrades.Name, 0, manifest.FirstOffset)]);

        await using (RunningArchive.Start(kafka.Settings, s3, settings))
            await Eventually.TrueAsync(
                async () => await store.SizeAsync(manifest.Files[^1].Key, default) == manifest.Files[^1].Bytes,
                TimeSpan.FromSeconds(60),
                "the missing file rewritten"
            );

        var after = (await store.ListAsync(layout.ManifestPrefix("trades", 0), null, default)).Select(o => o.Key).ToList();
        Assert.Equal(last.Key, after[^1]);
        Assert.Empty((await ArchiveProgress.VerifyAsync(s3, ArchiveDataset.All[0], 1)).Problems);
        AssertArchivedOnce(await ArchiveReadBack.DownloadAsync(s3), "redo", trades);
    }
}
