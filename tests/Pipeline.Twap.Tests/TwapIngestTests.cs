// The TWAP ETL against real parts: Parquet objects on radosgw, the embedded Kafka, the exactly-once sink, PostgreSQL.
using Pipeline.Producers.Twap;

namespace Pipeline.Twap.Tests;

public sealed class TwapIngestTests
{
    [Fact]
    public async Task Incremental_ingest_run_twice_stores_every_status_once_and_the_second_run_publishes_nothing()
    {
        await using var p = await TwapPipeline.StartAsync();
        var hours = TwapDataset.Hours(hours: 6, twaps: 1500);
        for (var h = 0; h < hours.Count; h++)
            await p.PutAsync(
                TwapDataset.Key(h),
                await TwapParquetFile.WriteAsync(hours[h], h % 2 == 0 ? TwapTimeColumn.TimestampNanos : TwapTimeColumn.Int64Nanos)
            );

        var first = await p.IngestAsync();
        await p.CaughtUpAsync();
        var afterFirst = await p.RowsAsync();
        var second = await p.IngestAsync();
        await p.CaughtUpAsync();

        Assert.Empty(first.Failures);
        Assert.Equal(6, first.ObjectsIngested);
        Assert.Equal(0, second.ObjectsIngested);
        Assert.Equal(6, second.ObjectsSkipped);
        Assert.Equal(0, second.RowsPublished);
        var expected = TwapPipeline.Expected(hours.SelectMany(h => h));
        Assert.True(expected.Count > 2000, $"the dataset has {expected.Count} statuses");
        Assert.Equal(expected, afterFirst);
        Assert.Equal(expected, await p.RowsAsync());
        var log = await p.IngestLogAsync();
        Assert.All(Enumerable.Range(0, 6), h => Assert.Equal(("ingested", (string?)null, (long?)hours[h].Count), log[TwapDataset.Key(h)]));
    }

    [Fact]
    public async Task A_corrupted_an_empty_and_a_column_short_object_are_logged_with_their_error_and_the_others_are_ingested()
    {
        await using var p = await TwapPipeline.StartAsync();
        var hours = TwapDataset.Hours(hours: 4, twaps: 300);
        await p.PutAsync(TwapDataset.Key(0), await TwapParquetFile.WriteAsync(hours[0]));
        var good = await TwapParquetFile.WriteAsync(hours[1]);
        await p.PutAsync(TwapDataset.Key(1), good[..(good.Length / 2)].Concat(new byte[100]).Concat(good[^8..]).ToArray()); // corrupted
        await p.PutAsync(TwapPipeline.Prefix + "2025-03-01/empty.parquet", []);
        await p.PutAsync(TwapDataset.Key(2), await TwapParquetFile.WriteAsync(hours[2], drop: ["executed_ntl"]));
        // Missing optional column (randomize) and extra columns: ingested, extras kept in raw_payload.
        await p.PutAsync(
            TwapDataset.Key(3),
            await TwapParquetFile.WriteAsync(hours[3], TwapTimeColumn.Int64Millis, drop: ["randomize"], extraColumns: true)
        );

        var result = await p.IngestAsync();
        await p.CaughtUpAsync();

        Assert.Equal(2, result.ObjectsIngested);
        Assert.Equal(3, result.Failures.Count);
        var log = await p.IngestLogAsync();
        Assert.Equal("failed", log[TwapDataset.Key(1)].State);
        Assert.Contains("not a readable Parquet file", log[TwapDataset.Key(1)].Error);
        Assert.Equal("failed", log[TwapPipeline.Prefix + "2025-03-01/empty.parquet"].State);
        Assert.Equal("failed", log[TwapDataset.Key(2)].State);
        Assert.Contains("missing required column(s) executed_ntl", log[TwapDataset.Key(2)].Error);
        Assert.Equal("ingested", log[TwapDataset.Key(3)].State);
        // Millisecond times: the oracle truncates the written nanoseconds to milliseconds.
        var expected = TwapPipeline.Expected(hours[0].Concat(hours[3].Select(r => r with { TimeNs = r.TimeNs / 1_000_000 * 1_000_000 })));
        Assert.Equal(expected, await p.RowsAsync());
        var extras = await p.QueryAsync(
            "SELECT count(*) FROM twap_status WHERE randomize IS NULL AND raw_payload ? 'builder' AND raw_payload ? 'state_slippage'",
            r => r.GetInt64(0)
        );
        Assert.Equal(hours[3].Count, extras[0]);

        // Unchanged failures are not retried; a fixed object (new ETag) is.
        await p.PutAsync(TwapDataset.Key(2), await TwapParquetFile.WriteAsync(hours[2]));
        var again = await p.IngestAsync();
        await p.CaughtUpAsync();
        Assert.Equal(1, again.ObjectsIngested);
        Assert.Empty(again.Failures);
        Assert.Equal(
            TwapPipeline.Expected(
                hours[0].Concat(hours[2]).Concat(hours[3].Select(r => r with { TimeNs = r.TimeNs / 1_000_000 * 1_000_000 }))
            ),
            await p.RowsAsync()
        );
        Assert.Equal(1, (await p.QueryAsync("SELECT 1", r => r.GetInt32(0))).Count); // the database still answers
    }

    [Fact]
    public async Task A_changed_object_is_re_ingested_and_its_rows_replace_the_old_ones()
    {
        await using var p = await TwapPipeline.StartAsync();
        var hours = TwapDataset.Hours(hours: 2, twaps: 400);
        await p.PutAsync(TwapDataset.Key(0), await TwapParquetFile.WriteAsync(hours[0]));
        await p.PutAsync(TwapDataset.Key(1), await TwapParquetFile.WriteAsync(hours[1]));
        await p.IngestAsync();
        await p.CaughtUpAsync();

        // Version 2 of hour 0: a third of its rows gone, a third corrected, and new rows.
        var v2 = hours[0]
            .Where((_, i) => i % 3 != 0)
            .Select((r, i) => i % 2 == 0 ? r with { ExecutedSz = "1.23456789", ExecutedNtl = "98765.4321" } : r)
            .Concat(TwapDataset.Hours(hours: 1, twaps: 50, seed: 99, firstId: 900_000)[0])
            .OrderBy(r => r.TimeNs)
            .ToList();
        await p.PutAsync(TwapDataset.Key(0), await TwapParquetFile.WriteAsync(v2));
        var result = await p.IngestAsync();
        await p.CaughtUpAsync();

        Assert.Equal(1, result.ObjectsIngested);
        Assert.Equal(1, result.ObjectsSkipped);
        Assert.Equal(TwapPipeline.Expected(v2.Concat(hours[1])), await p.RowsAsync());
        var generations = await p.QueryAsync(
            "SELECT DISTINCT source_generation FROM twap_status WHERE source_object = $1",
            r => r.GetInt64(0),
            TwapDataset.Key(0)
        );
        Assert.Equal([2L], generations);
    }

    [Fact]
    public async Task Since_object_key_and_local_file_modes_ingest_only_what_they_select()
    {
        await using var p = await TwapPipeline.StartAsync();
        var hours = TwapDataset.Hours(hours: 4, twaps: 400);
        await p.PutAsync(TwapDataset.Key(0), await TwapParquetFile.WriteAsync(hours[0]));
        await p.PutAsync(TwapDataset.Key(1), await TwapParquetFile.WriteAsync(hours[1]));
        var old = await p.Admin.GetObjectMetadataAsync(p.Bucket, TwapDataset.Key(1));
        // S3 times have one-second resolution: re-put the later object until the server dates it after the first ones.
        var later = await TwapParquetFile.WriteAsync(hours[2]);
        var since = await Testing.Eventually.GetAsync(
            async () =>
            {
                await p.PutAsync(TwapDataset.Key(2), later);
                return (await p.Admin.GetObjectMetadataAsync(p.Bucket, TwapDataset.Key(2))).LastModified!.Value;
            },
            t => t > old.LastModified!.Value,
            TimeSpan.FromSeconds(10),
            "a later last-modified time"
        );

        var bySince = await p.IngestAsync(new TwapIngestRequest { Since = new DateTimeOffset(since.ToUniversalTime(), TimeSpan.Zero) });
        await p.CaughtUpAsync();
        Assert.Equal(1, bySince.ObjectsIngested);
        Assert.Equal(TwapPipeline.Expected(hours[2]), await p.RowsAsync());

        var byKey = await p.IngestAsync(new TwapIngestRequest { ObjectKey = TwapDataset.Key(0)[TwapPipeline.Prefix.Length..] });
        await p.CaughtUpAsync();
        Assert.Equal(1, byKey.ObjectsIngested);
        Assert.Equal(TwapPipeline.Expected(hours[2].Concat(hours[0])), await p.RowsAsync());

        var file = Path.Combine(Testing.TestDirectories.Create("twap-local"), "local.parquet");
        await File.WriteAllBytesAsync(file, await TwapParquetFile.WriteAsync(hours[3], TwapTimeColumn.TimestampMicros));
        var local = await p.IngestAsync(new TwapIngestRequest { LocalFile = file });
        var localAgain = await p.IngestAsync(new TwapIngestRequest { LocalFile = file });
        await p.CaughtUpAsync();
        Assert.Equal(1, local.ObjectsIngested);
        Assert.Equal(1, localAgain.ObjectsSkipped);
        Assert.Equal(TwapPipeline.Expected(hours[2].Concat(hours[0]).Concat(hours[3])), await p.RowsAsync());
        Assert.Equal("ingested", (await p.IngestLogAsync())["file:" + Path.GetFullPath(file)].State);
    }

    [Fact]
    public async Task S3_cut_off_mid_run_marks_the_unread_objects_unavailable_and_the_next_run_ingests_them()
    {
        await using var p = await TwapPipeline.StartAsync(s3ViaProxy: true);
        var hours = TwapDataset.Hours(hours: 4, twaps: 400);
        for (var h = 0; h < hours.Count; h++)
            await p.PutAsync(TwapDataset.Key(h), await TwapParquetFile.WriteAsync(hours[h]));

        // Cut the link to S3 as soon as the first object is done.
        var first = await p.IngestAsync(
            progress: new SynchronousProgress(pr =>
            {
                if (pr.ObjectsDone == 1)
                    p.Proxy!.Cut();
            })
        );
        Assert.Equal(1, first.ObjectsIngested);
        Assert.Equal(3, first.Failures.Count);
        Assert.All(first.Failures, f => Assert.Contains("failed 3 times", f.Error));
        var log = await p.IngestLogAsync();
        Assert.Equal(3, log.Values.Count(v => v.State == "unavailable"));

        p.Proxy!.Restore();
        var second = await p.IngestAsync();
        await p.CaughtUpAsync();
        Assert.Equal(3, second.ObjectsIngested);
        Assert.Equal(1, second.ObjectsSkipped);
        Assert.Equal(TwapPipeline.Expected(hours.SelectMany(h => h)), await p.RowsAsync());
    }

    [Fact]
    public async Task Kill_9_of_the_ingest_mid_object_then_a_rerun_stores_every_row_exactly_once()
    {
        await using var p = await TwapPipeline.StartAsync();
        var hours = TwapDataset.Hours(hours: 3, twaps: 600);
        for (var h = 0; h < hours.Count; h++)
            await p.PutAsync(TwapDataset.Key(h), await TwapParquetFile.WriteAsync(hours[h]));

        // The host pauses inside the second object's transaction (first object committed), and is killed there.
        using (var host = TwapIngestProcess.Start(p, pauseAfterRows: hours[1].Count / 2, pauseInObject: TwapDataset.Key(1)))
        {
            await host.WaitForLineAsync(l => l.Contains("paused"), TimeSpan.FromSeconds(60), "the ingest host to pause mid-object");
            host.Kill();
        }
        var log = await p.IngestLogAsync();
        Assert.Equal("ingested", log[TwapDataset.Key(0)].State);
        Assert.Equal("ingesting", log[TwapDataset.Key(1)].State);
        await p.CaughtUpAsync();
        Assert.Equal(TwapPipeline.Expected(hours[0]), await p.RowsAsync());

        var rerun = await p.IngestAsync();
        await p.CaughtUpAsync();
        Assert.Equal(2, rerun.ObjectsIngested);
        Assert.Equal(1, rerun.ObjectsSkipped);
        Assert.Equal(TwapPipeline.Expected(hours.SelectMany(h => h)), await p.RowsAsync());
    }

    private sealed class SynchronousProgress(Action<TwapIngestProgress> report) : IProgress<TwapIngestProgress>
    {
        public void Report(TwapIngestProgress value) => report(value);
    }
}
