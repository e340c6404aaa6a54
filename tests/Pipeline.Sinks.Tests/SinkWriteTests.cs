// The sink writes trades, candles and indicator values exactly as published, with their Kafka positions.
using Npgsql;
using Pipeline.Plumbing.Topics;
using Pipeline.Schemas.V1;
using Pipeline.Testing;
using static Pipeline.Sinks.Tests.SinkRecords;

namespace Pipeline.Sinks.Tests;

public sealed class SinkWriteTests
{
    [Fact]
    public async Task Trades_are_copied_with_exact_decimals_and_their_positions_are_stored()
    {
        await using var kafka = await TestKafka.StartAsync(partitions: 2);
        var db = await TestPostgres.CreateDatabaseAsync();
        // Prices and sizes as Binance prints them: trailing zeros and 8 decimals must survive.
        var trades = Enumerable
            .Range(1, 500)
            .Select(i => Trade(i, i % 2 == 0 ? "96123.45000000" : "0.00001305", "0.00010000", Day + i * 1_000_000L))
            .ToList();
        trades.Add(Trade(501, "42.5", "3", Day + 86_400_000_000L + 5)); // the next day: a second partition of the table
        await ProduceAsync(kafka.Settings, TopicCatalog.ValidTrades.Name, trades, t => t.Instrument.Key);

        await using (var sink = RunningSink.Start(kafka.Settings, db))
            await Eventually.TrueAsync(
                async () => await RunningSink.CountAsync(db, "SELECT count(*) FROM trades") == 501,
                what: "501 trades in the table"
            );

        Assert.Equal(501, await RunningSink.CountAsync(db, "SELECT count(DISTINCT trade_id) FROM trades"));
        await using var conn = new NpgsqlConnection(db);
        await conn.OpenAsync();
        await using (
            var cmd = new NpgsqlCommand(
                "SELECT price::text, size::text, time FROM trades WHERE trade_id IN (1, 2, 501) ORDER BY trade_id",
                conn
            )
        )
        await using (var r = await cmd.ExecuteReaderAsync())
        {
            Assert.True(await r.ReadAsync());
            Assert.Equal("0.00001305", r.GetString(0));
            Assert.Equal("0.00010000", r.GetString(1));
            Assert.Equal(new DateTime(2025, 1, 15, 0, 0, 1, DateTimeKind.Utc), r.GetDateTime(2));
            Assert.True(await r.ReadAsync());
            Assert.Equal("96123.45000000", r.GetString(0));
            Assert.True(await r.ReadAsync());
            Assert.Equal("42.5", r.GetString(0));
            Assert.Equal(new DateTime(2025, 1, 16, 0, 0, 0, DateTimeKind.Utc).AddTicks(50), r.GetDateTime(2)); // microseconds kept
        }
        // One instrument → one Kafka partition: its stored position is one past the last record.
        Assert.Equal(501, await RunningSink.CountAsync(db, "SELECT sum(next_offset) FROM sink_positions WHERE topic = 'trades.valid'"));
    }

    [Fact]
    public async Task Indicator_values_are_stored_as_json_with_null_during_warm_up()
    {
        await using var kafka = await TestKafka.StartAsync(partitions: 1);
        var db = await TestPostgres.CreateDatabaseAsync();
        var warm = new IndicatorValue
        {
            Instrument = BtcUsdt,
            Interval = "1m",
            OpenTimeUs = Day,
            Indicator = "rsi(14)",
        };
        warm.Fields.Add(new IndicatorField { Name = "rsi" });
        var ready = new IndicatorValue
        {
            Instrument = BtcUsdt,
            Interval = "1m",
            OpenTimeUs = Day + 60_000_000,
            Indicator = "rsi(14)",
        };
        ready.Fields.Add(new IndicatorField { Name = "rsi", Value = 70.46413502109705 });
        await ProduceAsync(kafka.Settings, TopicCatalog.Indicators.Name, [warm, ready], i => i.Instrument.Key);

        await using (var sink = RunningSink.Start(kafka.Settings, db))
            await Eventually.TrueAsync(
                async () => await RunningSink.CountAsync(db, "SELECT count(*) FROM indicators") == 2,
                what: "2 indicator rows"
            );

        Assert.Equal(1, await RunningSink.CountAsync(db, "SELECT count(*) FROM indicators WHERE fields->'rsi' = 'null'::jsonb"));
        Assert.Equal(
            1,
            await RunningSink.CountAsync(db, "SELECT count(*) FROM indicators WHERE (fields->>'rsi')::float8 = 70.46413502109705")
        );
    }
}
