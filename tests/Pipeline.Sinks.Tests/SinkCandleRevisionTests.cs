// Candle upserts keep the highest (closed, revision): a final is never replaced by an older open update.
using Npgsql;
using Pipeline.Plumbing.Topics;
using Pipeline.Testing;
using static Pipeline.Sinks.Tests.SinkRecords;

namespace Pipeline.Sinks.Tests;

public sealed class SinkCandleRevisionTests
{
    private static async Task<(string Close, bool Closed, int Revision, long Trades)> CandleAsync(string db, long openUs)
    {
        await using var conn = new NpgsqlConnection(db);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT close::text, closed, revision, trade_count FROM candles WHERE time = $1", conn);
        cmd.Parameters.Add(new() { Value = DateTime.UnixEpoch.AddTicks(openUs * 10) });
        await using var r = await cmd.ExecuteReaderAsync();
        Assert.True(await r.ReadAsync(), "the candle is in the table");
        return (r.GetString(0), r.GetBoolean(1), r.GetInt32(2), r.GetInt64(3));
    }

    [Fact]
    public async Task Open_updates_then_final_then_revision_leave_the_latest_revision()
    {
        await using var kafka = await TestKafka.StartAsync(partitions: 1);
        var db = await TestPostgres.CreateDatabaseAsync();
        await ProduceAsync(
            kafka.Settings,
            TopicCatalog.Candles.Name,
            [
                Candle(Day, "100", "101", "99", "100.5", "1", closed: false, revision: 0, trades: 1),
                Candle(Day, "100", "102", "99", "101.5", "2", closed: false, revision: 0, trades: 2),
                Candle(Day, "100", "102", "98", "99.5", "3", closed: true, revision: 0, trades: 3),
                Candle(Day, "100", "102", "98", "99.25", "4", closed: true, revision: 1, trades: 4),
            ],
            c => c.Instrument.Key
        );

        await using (var sink = RunningSink.Start(kafka.Settings, db))
            await Eventually.TrueAsync(
                async () =>
                    await RunningSink.CountAsync(db, "SELECT coalesce(sum(next_offset), 0) FROM sink_positions WHERE topic = 'candles'")
                    == 4,
                what: "4 candle records written"
            );

        Assert.Equal(("99.25", true, 1, 4L), await CandleAsync(db, Day));
    }

    [Fact]
    public async Task A_late_open_update_does_not_overwrite_a_closed_candle_written_in_an_earlier_batch()
    {
        await using var kafka = await TestKafka.StartAsync(partitions: 1);
        var db = await TestPostgres.CreateDatabaseAsync();
        await ProduceAsync(
            kafka.Settings,
            TopicCatalog.Candles.Name,
            [Candle(Day, "100", "102", "98", "99.5", "3", closed: true, revision: 0, trades: 3)],
            c => c.Instrument.Key
        );
        await using var sink = RunningSink.Start(kafka.Settings, db);
        await Eventually.TrueAsync(
            async () => await RunningSink.CountAsync(db, "SELECT count(*) FROM candles") == 1,
            what: "the final candle"
        );

        // An older open update replayed after the final (e.g. a processor restarted from an older state).
        await ProduceAsync(
            kafka.Settings,
            TopicCatalog.Candles.Name,
            [Candle(Day, "100", "101", "99", "100.5", "1", closed: false, revision: 0, trades: 1)],
            c => c.Instrument.Key
        );
        await Eventually.TrueAsync(
            async () =>
                await RunningSink.CountAsync(db, "SELECT coalesce(sum(next_offset), 0) FROM sink_positions WHERE topic = 'candles'") == 2,
            what: "the open update consumed"
        );

        Assert.Equal(("99.5", true, 0, 3L), await CandleAsync(db, Day));
    }
}
