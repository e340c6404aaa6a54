using System.IO.Compression;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Plumbing.Configuration;
using Pipeline.Plumbing.Errors;
using Pipeline.Plumbing.Topics;
using Pipeline.Producers.Publishing;
using Pipeline.Producers.Venues.Binance;
using Pipeline.Producers.Venues.Binance.Dumps;
using Pipeline.Schemas.V1;
using Pipeline.Testing;
using Xunit;

namespace Pipeline.Producers.Tests;

public sealed class BinanceDumpImportTests
{
    private static readonly VenueListings Listings = new(PipelineConfiguration.DefaultInstruments());

    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "binance-dump", name);

    // 2025-01-01T00:00:00Z in µs, from the calendar rather than from our code.
    private const long NewYear2025Us = 1_735_689_600_000_000;

    [Theory]
    [InlineData(1_735_689_599_010L, 1_735_689_599_010_000L)] // 2024 spot dumps: milliseconds
    [InlineData(1_735_689_600_123_456L, 1_735_689_600_123_456L)] // 2025 spot dumps: microseconds
    [InlineData(1_500_000_000_000L, 1_500_000_000_000_000L)] // 2017, milliseconds
    public void Timestamp_unit_is_told_apart_by_magnitude(long raw, long expectedUs)
    {
        Assert.True(BinanceTimestamps.TryToMicroseconds(raw, out var us));
        Assert.Equal(expectedUs, us);
    }

    [Fact]
    public void Seconds_are_rejected_rather_than_guessed()
    {
        Assert.False(BinanceTimestamps.TryToMicroseconds(1_735_689_600, out _));
    }

    [Fact]
    public async Task Import_across_the_millisecond_to_microsecond_switch_publishes_trades_in_time_order_then_end_of_input()
    {
        await using var kafka = await TestKafka.StartAsync(partitions: 2);
        using var publisher = new TopicPublisher(kafka.Settings, "test-import", NullLogger.Instance);
        var importer = new BinanceDumpImporter(Listings, publisher, NullLogger.Instance);

        // Given newest first on the command line: the import still publishes in exchange-time order.
        var result = await importer.ImportAsync(
            [Fixture("BTCUSDT-trades-2025-01-01.csv"), Fixture("BTCUSDT-trades-2024-12-31.csv")],
            null,
            default
        );
        Assert.Equal(6, result.Trades["binance:BTC/USDT:spot"]);
        Assert.Equal(0, result.UnorderedRows);

        using var trades = new TopicReader<Trade>(kafka.Settings, TopicCatalog.RawTrades.Name);
        var got = await trades.ReadAtLeastAsync(6, TimeSpan.FromSeconds(30), "6 imported trades");
        Assert.Equal(6, got.Count);
        Assert.All(got, r => Assert.Equal("binance:BTC/USDT:spot", r.Key));
        Assert.Equal(Enumerable.Range(1, 6).Select(i => 3_333_000_000L + i), got.Select(r => r.Value.TradeId));
        Assert.Equal(
            [
                NewYear2025Us - 990_000,
                NewYear2025Us - 500_000,
                NewYear2025Us - 1_000,
                NewYear2025Us,
                NewYear2025Us + 123_456,
                NewYear2025Us + 1_999_999,
            ],
            got.Select(r => r.Value.EventTimeUs)
        );
        Assert.All(got, r => Assert.Equal(Origin.Import, r.Value.Origin));
        // is_buyer_maker=True means the taker sold.
        Assert.Equal(AggressorSide.Sell, got[0].Value.Aggressor);
        Assert.Equal(AggressorSide.Buy, got[1].Value.Aggressor);
        // Exact decimals, trailing zeros kept as the venue wrote them.
        Assert.Equal("93575.99000000", got[4].Value.Price.ToInvariantString());
        Assert.Equal("0.10000000", got[4].Value.Size.ToInvariantString());

        // The mark travels on trades.raw behind the trades it closes (ADR 0007).
        using var ends = new TopicReader<EndOfInput>(kafka.Settings, TopicCatalog.RawTrades.Name);
        var end = Assert.Single(await ends.ReadAtLeastAsync(1, TimeSpan.FromSeconds(30), "end of input"));
        Assert.Equal(NewYear2025Us + 1_999_999, end.Value.ThroughTimeUs);
        Assert.Equal(Origin.Import, end.Value.Origin);
    }

    [Fact]
    public async Task Zipped_klines_become_exchange_candles_with_exclusive_close_times_in_both_units()
    {
        var dir = TestDirectories.Create("dump");
        var zip = Path.Combine(dir, "BTCUSDT-1m-2025-01-01.zip");
        using (var archive = ZipFile.Open(zip, ZipArchiveMode.Create))
            archive.CreateEntryFromFile(Fixture("BTCUSDT-1m-2025-01-01.csv"), "BTCUSDT-1m-2025-01-01.csv");

        await using var kafka = await TestKafka.StartAsync(partitions: 1);
        using var publisher = new TopicPublisher(kafka.Settings, "test-import", NullLogger.Instance);
        var result = await new BinanceDumpImporter(Listings, publisher, NullLogger.Instance).ImportAsync(
            [zip, Fixture("BTCUSDT-1m-2024-12-31.csv")],
            null,
            default
        );
        Assert.Equal(3, result.Candles["binance:BTC/USDT:spot"]);

        using var candles = new TopicReader<Candle>(kafka.Settings, TopicCatalog.RawExchangeCandles.Name);
        var got = (await candles.ReadAtLeastAsync(3, TimeSpan.FromSeconds(30), "3 candles")).Select(r => r.Value).ToList();
        Assert.Equal([NewYear2025Us - 60_000_000, NewYear2025Us, NewYear2025Us + 60_000_000], got.Select(c => c.OpenTimeUs));
        Assert.All(got, c => Assert.Equal(c.OpenTimeUs + 60_000_000, c.CloseTimeUs));
        var first2025 = got[1];
        Assert.Equal("1m", first2025.Interval);
        Assert.Equal("93576.00000000", first2025.Open.ToInvariantString());
        Assert.Equal("93610.93000000", first2025.High.ToInvariantString());
        Assert.Equal("93537.50000000", first2025.Low.ToInvariantString());
        Assert.Equal("93607.74000000", first2025.Close.ToInvariantString());
        Assert.Equal("8.21827000", first2025.Volume.ToInvariantString());
        Assert.Equal("769142.20432110", first2025.QuoteVolume.ToInvariantString());
        Assert.Equal(1741, first2025.TradeCount);
        Assert.Equal("4.89136000", first2025.TakerBuyVolume.ToInvariantString());
        Assert.Equal(CandleSource.Exchange, first2025.Source);
        Assert.True(first2025.Closed);
    }

    [Fact]
    public async Task Aggregate_trades_use_the_aggregate_id_and_time()
    {
        await using var kafka = await TestKafka.StartAsync(partitions: 1);
        using var publisher = new TopicPublisher(kafka.Settings, "test-import", NullLogger.Instance);
        var result = await new BinanceDumpImporter(Listings, publisher, NullLogger.Instance).ImportAsync(
            [Fixture("BTCUSDT-aggTrades-2024-12-31.csv")],
            null,
            default
        );
        Assert.Equal(2, result.Trades["binance:BTC/USDT:spot"]);
        using var trades = new TopicReader<Trade>(kafka.Settings, TopicCatalog.RawTrades.Name);
        var got = (await trades.ReadAtLeastAsync(2, TimeSpan.FromSeconds(30), "2 aggregate trades")).Select(r => r.Value).ToList();
        Assert.Equal([3_000_000_001L, 3_000_000_002L], got.Select(t => t.TradeId));
        Assert.Equal([NewYear2025Us - 990_000, NewYear2025Us - 500_000], got.Select(t => t.EventTimeUs));
        Assert.Equal("0.02150000", got[1].Size.ToInvariantString());
        Assert.Equal([AggressorSide.Sell, AggressorSide.Buy], got.Select(t => t.Aggressor));
    }

    [Fact]
    public async Task A_symbol_that_is_not_configured_fails_before_anything_is_published()
    {
        var dir = TestDirectories.Create("dump");
        var file = Path.Combine(dir, "DOGEUSDT-trades-2024-01-01.csv");
        await File.WriteAllTextAsync(file, "1,0.1,10,1,1704067200000,True,True\n");
        using var publisher = new TopicPublisher(new("127.0.0.1:1"), "unused", NullLogger.Instance);
        var e = await Assert.ThrowsAsync<InvalidRequestException>(() =>
            new BinanceDumpImporter(Listings, publisher, NullLogger.Instance).ImportAsync([file], null, default)
        );
        Assert.Contains("'DOGEUSDT' is not a configured binance instrument", e.Message);
        Assert.Equal(0, publisher.Produced);
    }

    [Fact]
    public async Task A_malformed_row_names_the_file_and_line()
    {
        var dir = TestDirectories.Create("dump");
        var file = Path.Combine(dir, "BTCUSDT-trades-2024-01-01.csv");
        await File.WriteAllTextAsync(file, "1,42000.1,0.5,21000.05,1704067200000,True,True\n2,abc,0.5,1,1704067200001,True,True\n");
        await using var kafka = await TestKafka.StartAsync(partitions: 1);
        using var publisher = new TopicPublisher(kafka.Settings, "test-import", NullLogger.Instance);
        var e = await Assert.ThrowsAsync<InputFormatException>(() =>
            new BinanceDumpImporter(Listings, publisher, NullLogger.Instance).ImportAsync([file], null, default)
        );
        Assert.Equal(
            "BTCUSDT-trades-2024-01-01.csv line 2: price 'abc' is not a decimal number; is this an unmodified Binance Trades dump?",
            e.Message
        );
    }

    [Fact]
    public async Task Renamed_files_are_recognised_by_their_rows_when_the_symbol_is_given()
    {
        var dir = TestDirectories.Create("dump");
        var trades = Path.Combine(dir, "held-out-trades.csv");
        var agg = Path.Combine(dir, "agg.csv");
        var klines = Path.Combine(dir, "klines.csv");
        File.Copy(Fixture("BTCUSDT-trades-2025-01-01.csv"), trades);
        File.Copy(Fixture("BTCUSDT-aggTrades-2024-12-31.csv"), agg);
        File.Copy(Fixture("BTCUSDT-1m-2025-01-01.csv"), klines);

        Assert.Equal(
            (BinanceDumpKind.Trades, (string?)null),
            (BinanceDumpFile.Parse(trades, "btcusdt").Kind, BinanceDumpFile.Parse(trades, "btcusdt").Interval)
        );
        Assert.Equal(BinanceDumpKind.AggTrades, BinanceDumpFile.Parse(agg, "BTCUSDT").Kind);
        Assert.Equal(
            (BinanceDumpKind.Klines, "1m"),
            (BinanceDumpFile.Parse(klines, "BTCUSDT").Kind, BinanceDumpFile.Parse(klines, "BTCUSDT").Interval)
        );
        Assert.Contains(
            "or pass --symbol BTCUSDT for a renamed file",
            Assert.Throws<InputFormatException>(() => BinanceDumpFile.Parse(trades)).Message
        );

        await using var kafka = await TestKafka.StartAsync(partitions: 1);
        using var publisher = new TopicPublisher(kafka.Settings, "test-import", NullLogger.Instance);
        var result = await new BinanceDumpImporter(Listings, publisher, NullLogger.Instance).ImportAsync(
            [trades, klines],
            null,
            default,
            symbol: "BTCUSDT"
        );
        Assert.Equal(3, result.Trades["binance:BTC/USDT:spot"]);
        Assert.Equal(2, result.Candles["binance:BTC/USDT:spot"]);
    }

    [Theory]
    [InlineData("btcusdt.csv", "is not a Binance dump file name")]
    [InlineData("BTCUSDT-1mo-2024-01.csv", "kline interval '1mo'")]
    public void Badly_named_files_are_rejected_with_what_is_expected(string name, string expected)
    {
        var file = Path.Combine(TestDirectories.Create("dump"), name);
        File.WriteAllText(file, "");
        var e = Assert.Throws<InputFormatException>(() => BinanceDumpFile.Parse(file));
        Assert.Contains(expected, e.Message);
    }
}
