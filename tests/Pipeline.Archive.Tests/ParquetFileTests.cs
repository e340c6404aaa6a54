// The Parquet files themselves, read by DuckDB (an independent reader): statistics and filters on timestamps.
using Pipeline.Testing;

namespace Pipeline.Archive.Tests;

public sealed class ParquetFileTests
{
    // Regression: Parquet.Net 6.1.0 writes TIMESTAMP(MICROS) min/max statistics in milliseconds; DuckDB then pruned
    // row groups wrongly and its ORDER BY returned corrupted times (1741002350592 for 1736899200000000).
    [Fact]
    public async Task Timestamp_statistics_in_the_footer_are_microseconds_so_time_filters_find_every_row()
    {
        var trades = ArchiveRecords.Trades(500);
        var records = trades.Select((t, i) => new ArchiveRecord(0, i, HivePartition.Of(t.Instrument, t.EventTimeUs), t)).ToList();
        var bytes = await ArchiveDataset.All[0].WriteFileAsync(records, CancellationToken.None);
        var dir = TestDirectories.Create("parquet");
        var path = Path.Combine(dir, "trades.parquet");
        await File.WriteAllBytesAsync(path, bytes);
        var duck = new DuckQuery();

        var stats = duck.Query(
                $"""
                SELECT epoch_us(stats_min_value::TIMESTAMPTZ), epoch_us(stats_max_value::TIMESTAMPTZ)
                FROM parquet_metadata('{path}') WHERE path_in_schema = 'event_time'
                """
            )
            .Single();
        Assert.Equal(
            (trades.Min(t => t.EventTimeUs), trades.Max(t => t.EventTimeUs)),
            (Convert.ToInt64(stats[0]), Convert.ToInt64(stats[1]))
        );

        var cut = trades[300].EventTimeUs;
        var after = duck.Query($"SELECT count(*) FROM read_parquet('{path}') WHERE event_time >= make_timestamptz({cut})").Single();
        Assert.Equal(trades.Count(t => t.EventTimeUs >= cut), Convert.ToInt32(after[0]));
        var ordered = duck.Query($"SELECT epoch_us(event_time) FROM read_parquet('{path}') ORDER BY event_time")
            .Select(r => Convert.ToInt64(r[0]));
        Assert.Equal(trades.Select(t => t.EventTimeUs).Order(), ordered);
    }
}
