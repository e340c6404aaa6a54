// What the archive writes: every record once, exact decimals, µs UTC times, zstd, Hive folders DuckDB reads as is.
using System.Globalization;
using Pipeline.Plumbing.Topics;
using Pipeline.Schemas.V1;
using Pipeline.Testing;
using static Pipeline.Archive.Tests.ArchiveRecords;

namespace Pipeline.Archive.Tests;

public sealed class ArchiveContentTests
{
    [Fact]
    public async Task Every_trade_candle_and_indicator_is_archived_once_with_exact_values_that_duckdb_reads()
    {
        await using var kafka = await TestKafka.StartAsync(partitions: 3);
        var s3 = await (await TestS3.SharedAsync()).CreateBucketAsync("arch");
        var trades = Produce(kafka.Settings, TopicCatalog.ValidTrades.Name, Trades(3000), t => t.Instrument.Key);
        var candles = Produce(
            kafka.Settings,
            TopicCatalog.FinalCandles.Name,
            Enumerable.Range(0, 40).Select(k => FinalCandle(k, $"101.{k:D2}", D("100.25"), revision: k % 3)),
            c => c.Instrument.Key
        );
        var indicators = Produce(
            kafka.Settings,
            TopicCatalog.Indicators.Name,
            Enumerable.Range(0, 30).Select(k => Indicator(k, "bbands(20,2)", "upper", 101.5 + k, "lower")),
            i => i.Instrument.Key
        );

        await using (RunningArchive.Start(kafka.Settings, s3))
            await ArchiveProgress.AllArchivedAsync(s3, 3, trades, candles, indicators);

        foreach (var dataset in ArchiveDataset.All)
            Assert.Empty((await ArchiveProgress.VerifyAsync(s3, dataset, 3)).Problems);
        var archive = await ArchiveReadBack.DownloadAsync(s3);
        var rows = archive.Query(
            $"""
            SELECT kafka_partition, kafka_offset, trade_id, price::VARCHAR, size::VARCHAR, epoch_us(event_time), epoch_us(receive_time),
                   aggressor, exchange, symbol, date::VARCHAR, instrument
            FROM read_parquet('{archive.Glob("arch", "trades")}', hive_partitioning = true)
            """
        );
        var expected = trades.ToDictionary(t => (t.Partition, t.Offset), t => t.Record);
        Assert.Equal(expected.Count, rows.Count);
        foreach (var r in rows)
        {
            var t = expected[(Convert.ToInt32(r[0]), Convert.ToInt64(r[1]))];
            Assert.Equal(t.TradeId, Convert.ToInt64(r[2]));
            Assert.Equal(t.Price.ToDecimal(), decimal.Parse((string)r[3]!, CultureInfo.InvariantCulture));
            Assert.Equal(t.Size.ToDecimal(), decimal.Parse((string)r[4]!, CultureInfo.InvariantCulture));
            Assert.Equal((t.EventTimeUs, t.ReceiveTimeUs), (Convert.ToInt64(r[5]), Convert.ToInt64(r[6])));
            Assert.Equal(t.Aggressor == AggressorSide.Buy ? "buy" : "sell", r[7]);
            Assert.Equal((t.Instrument.Exchange, $"{t.Instrument.Base}-{t.Instrument.Quote}-spot"), ((string)r[8]!, (string)r[9]!));
            Assert.Equal(DateTime.UnixEpoch.AddTicks(t.EventTimeUs * 10).ToString("yyyy-MM-dd"), r[10]);
            Assert.Equal(t.Instrument.Key, r[11]);
        }
        Assert.Equal(rows.Count, rows.Select(r => (r[0], r[1])).Distinct().Count());

        var types = archive
            .Query(
                $"""
                SELECT typeof(price), typeof(size), typeof(event_time) FROM read_parquet('{archive.Glob("arch", "trades")}') LIMIT 1
                """
            )
            .Single();
        Assert.Equal(["DECIMAL(38,18)", "DECIMAL(38,18)", "TIMESTAMP WITH TIME ZONE"], types.Select(t => (string)t!));
        var codecs = archive.Query($"SELECT DISTINCT compression FROM parquet_metadata('{archive.Glob("arch", "trades")}')");
        Assert.Equal("ZSTD", (string)Assert.Single(codecs)[0]!);

        var candleRows = archive.Query(
            $"""
            SELECT kafka_partition, kafka_offset, high::VARCHAR, close::VARCHAR, low::VARCHAR, volume::VARCHAR,
                revision, epoch_us(open_time), taker_buy_volume
            FROM read_parquet('{archive.Glob("arch", "candles")}', hive_partitioning = true)
            """
        );
        var expectedCandles = candles.ToDictionary(c => (c.Partition, c.Offset), c => c.Record);
        Assert.Equal(expectedCandles.Count, candleRows.Count);
        foreach (var r in candleRows)
        {
            var c = expectedCandles[(Convert.ToInt32(r[0]), Convert.ToInt64(r[1]))];
            Assert.Equal(
                (c.High.ToDecimal(), c.Close.ToDecimal(), c.Low.ToDecimal(), c.Volume.ToDecimal()),
                (
                    decimal.Parse((string)r[2]!, CultureInfo.InvariantCulture),
                    decimal.Parse((string)r[3]!, CultureInfo.InvariantCulture),
                    decimal.Parse((string)r[4]!, CultureInfo.InvariantCulture),
                    decimal.Parse((string)r[5]!, CultureInfo.InvariantCulture)
                )
            );
            Assert.Equal((c.Revision, c.OpenTimeUs), (Convert.ToInt32(r[6]), Convert.ToInt64(r[7])));
            Assert.Null(r[8]);
        }

        var indicatorRows = archive.Query(
            $"""
            SELECT field, value, epoch_us(open_time) FROM read_parquet('{archive.Glob("arch", "indicators")}', hive_partitioning = true)
            ORDER BY open_time, field
            """
        );
        Assert.Equal(60, indicatorRows.Count);
        for (var k = 0; k < 30; k++)
        {
            Assert.Equal(
                ["lower", null, Day + k * 60_000_000L],
                indicatorRows[2 * k].Select(v => v is long or int ? Convert.ToInt64(v) : v)
            );
            Assert.Equal(
                ["upper", 101.5 + k, Day + k * 60_000_000L],
                indicatorRows[2 * k + 1].Select(v => v is long or int ? Convert.ToInt64(v) : v)
            );
        }
    }

    [Fact]
    public async Task Daily_vwap_queried_with_duckdb_over_the_archive_equals_the_vwap_of_the_trades()
    {
        await using var kafka = await TestKafka.StartAsync(partitions: 2);
        var s3 = await (await TestS3.SharedAsync()).CreateBucketAsync("vwap");
        var trades = Produce(kafka.Settings, TopicCatalog.ValidTrades.Name, Trades(2000), t => t.Instrument.Key);
        await using (RunningArchive.Start(kafka.Settings, s3))
            await Eventually.TrueAsync(
                () => ArchiveProgress.CoversAsync(s3, ArchiveDataset.All[0], ArchiveProgress.Ends(trades, 2)),
                TimeSpan.FromSeconds(90),
                "trades archived"
            );

        var archive = await ArchiveReadBack.DownloadAsync(s3);
        // The query the README shows users (over a local copy; over S3 it needs DuckDB's httpfs extension).
        var vwap = archive.Query(
            $"""
            SELECT exchange, symbol, date::VARCHAR, (sum(price * size) / sum(size))::DECIMAL(38,18)::VARCHAR, count(*)
            FROM read_parquet('{archive.Glob("vwap", "trades")}', hive_partitioning = true)
            GROUP BY ALL ORDER BY ALL
            """
        );

        var expected = trades
            .Select(t => t.Record)
            .GroupBy(t =>
                (
                    t.Instrument.Exchange,
                    $"{t.Instrument.Base}-{t.Instrument.Quote}-spot",
                    DateTime.UnixEpoch.AddTicks(t.EventTimeUs * 10).ToString("yyyy-MM-dd")
                )
            )
            .OrderBy(g => g.Key)
            .Select(g =>
                (g.Key, Vwap: g.Sum(t => t.Price.ToDecimal() * t.Size.ToDecimal()) / g.Sum(t => t.Size.ToDecimal()), Count: g.Count())
            )
            .ToList();
        Assert.Equal(expected.Count, vwap.Count);
        Assert.True(expected.Count >= 4, "two instruments over two days");
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Key, ((string)vwap[i][0]!, (string)vwap[i][1]!, (string)vwap[i][2]!));
            Assert.Equal(expected[i].Count, Convert.ToInt32(vwap[i][4]));
            // DuckDB divides decimals in double precision: equal to ~1e-9 relative, not to the last digit.
            var got = decimal.Parse((string)vwap[i][3]!, CultureInfo.InvariantCulture);
            Assert.True(
                Math.Abs(got - expected[i].Vwap) <= expected[i].Vwap * 0.000000001m,
                $"{expected[i].Key}: {got} vs {expected[i].Vwap}"
            );
        }
    }
}
