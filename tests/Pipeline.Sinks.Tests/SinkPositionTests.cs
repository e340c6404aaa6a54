// Positions: a restarted sink continues where the database says it stopped, and refuses positions it cannot trust.
using Pipeline.Plumbing.Topics;
using Pipeline.Testing;
using static Pipeline.Sinks.Tests.SinkRecords;

namespace Pipeline.Sinks.Tests;

public sealed class SinkPositionTests
{
    [Fact]
    public async Task Sink_restart_continues_from_stored_positions_and_writes_each_trade_once()
    {
        await using var kafka = await TestKafka.StartAsync(partitions: 3);
        var db = await TestPostgres.CreateDatabaseAsync();
        var eth = Schemas.V1.InstrumentRef.Create("binance", "ETH", "USDT", Schemas.V1.MarketType.Spot);
        var first = Enumerable.Range(1, 2000).Select(i => Trade(i, "100.1", "0.5", Day + i, i % 2 == 0 ? eth : BtcUsdt)).ToList();
        await ProduceAsync(kafka.Settings, TopicCatalog.ValidTrades.Name, first, t => t.Instrument.Key);
        await using (var sink = RunningSink.Start(kafka.Settings, db))
            await Eventually.TrueAsync(
                async () => await RunningSink.CountAsync(db, "SELECT count(*) FROM trades") == 2000,
                what: "first 2000 trades"
            );

        var second = Enumerable.Range(2001, 1000).Select(i => Trade(i, "100.2", "0.5", Day + i, i % 2 == 0 ? eth : BtcUsdt)).ToList();
        await ProduceAsync(kafka.Settings, TopicCatalog.ValidTrades.Name, second, t => t.Instrument.Key);
        await using (var sink = RunningSink.Start(kafka.Settings, db))
            await Eventually.TrueAsync(
                async () =>
                    await RunningSink.CountAsync(
                        db,
                        "SELECT coalesce(sum(next_offset), 0) FROM sink_positions WHERE topic = 'trades.valid'"
                    ) == 3000,
                what: "positions at 3000"
            );

        Assert.Equal(3000, await RunningSink.CountAsync(db, "SELECT count(*) FROM trades"));
        Assert.Equal(3000, await RunningSink.CountAsync(db, "SELECT count(DISTINCT (instrument_id, trade_id)) FROM trades"));
    }

    [Fact]
    public async Task Stored_position_beyond_the_end_of_the_partition_stops_the_sink_with_a_clear_reason()
    {
        await using var kafka = await TestKafka.StartAsync(partitions: 1);
        var db = await TestPostgres.CreateDatabaseAsync();
        await ProduceAsync(kafka.Settings, TopicCatalog.ValidTrades.Name, [Trade(1, "1", "1", Day)], t => t.Instrument.Key);
        // As if the topic had been deleted and recreated after the sink had written 1000 records of it.
        await using (var conn = new Npgsql.NpgsqlConnection(db))
        {
            await conn.OpenAsync();
            await using var cmd = new Npgsql.NpgsqlCommand(
                "INSERT INTO sink_positions (consumer, topic, partition, next_offset) VALUES ('pipeline-sink', 'trades.valid', 0, 1000)",
                conn
            );
            await cmd.ExecuteNonQueryAsync();
        }

        await using var sink = RunningSink.Start(kafka.Settings, db);
        var error = await Assert.ThrowsAsync<SinkPositionException>(() => sink.Task.WaitAsync(TimeSpan.FromSeconds(60)));

        Assert.Contains("beyond the partition's end", error.Message);
        Assert.Contains("trades.valid[0]", error.Message);
        Assert.Equal(0, await RunningSink.CountAsync(db, "SELECT count(*) FROM trades"));
    }
}
