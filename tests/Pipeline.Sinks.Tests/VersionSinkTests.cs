// A replay version's sink (ADR 0006): the version's closed candles and indicators become rows of that version, exactly
// once, beside the live rows, which stay as the live sink wrote them.
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Pipeline.Plumbing.Configuration;
using Pipeline.Plumbing.Kafka;
using Pipeline.Plumbing.Topics;
using Pipeline.Schemas;
using Pipeline.Schemas.V1;
using Pipeline.Testing;
using static Pipeline.Sinks.Tests.SinkRecords;

namespace Pipeline.Sinks.Tests;

public sealed class VersionSinkTests
{
    private static readonly DataVersion V2 = DataVersion.Parse("v2");

    [Fact]
    public async Task Version_rows_are_written_beside_live_rows_and_leave_them_untouched()
    {
        await using var kafka = await TestKafka.StartAsync(partitions: 2);
        var topics = new VersionTopics(V2);
        await TopicProvisioner.EnsureTopicsAsync(kafka.Settings, 2, 1, NullLogger.Instance, topics.All);
        var db = await TestPostgres.CreateDatabaseAsync();
        // The same candle keys in both versions, with different prices: the rows must not meet.
        var live = Enumerable
            .Range(0, 5)
            .Select(i => Candle(Day + i * 60_000_000L, "100", "110", "90", "105", "2", closed: true, revision: 0))
            .ToList();
        var replayed = Enumerable
            .Range(0, 5)
            .Select(i => Candle(Day + i * 60_000_000L, "200", "210", "190", "205", "3", closed: true, revision: 0))
            .ToList();
        // A revision of the first replayed candle (a late trade within grace): the row takes it.
        replayed.Add(Candle(Day, "200", "220", "190", "215", "4", closed: true, revision: 1));
        await ProduceAsync(kafka.Settings, TopicCatalog.Candles.Name, live, c => c.Instrument.Key);
        await ProduceAsync(kafka.Settings, topics.FinalCandles.Name, replayed, c => c.Instrument.Key);
        await ProduceAsync(kafka.Settings, TopicCatalog.Indicators.Name, [Rsi(Day, 40.5)], i => i.Instrument.Key);
        await ProduceAsync(kafka.Settings, topics.Indicators.Name, [Rsi(Day, 61.25)], i => i.Instrument.Key);

        await using (var liveSink = RunningSink.Start(kafka.Settings, db))
            await Eventually.TrueAsync(
                async () => await RunningSink.CountAsync(db, "SELECT count(*) FROM candles") == 5,
                what: "5 live candles"
            );
        var versionSink = new VersionSink(kafka.Settings, db, V2, RunningSink.Loggers, new SinkOptions { BatchLingerMs = 50 });
        var run = versionSink.RunAsync(CancellationToken.None);
        versionSink.Finish(); // everything is already published: the sink returns once it is all written
        await run.WaitAsync(TimeSpan.FromSeconds(60));

        // Read right after the sink returned: finishing means the rows are there.
        var rows = await CandlesAsync(db);
        Assert.Equal(10, rows.Count);
        foreach (var c in live)
            Assert.Equal(("100", "110", "90", "105", "2", 0), rows[("live", c.OpenTimeUs)]);
        Assert.Equal(("200", "220", "190", "215", "4", 1), rows[("v2", Day)]);
        foreach (var c in replayed.Skip(1).Take(4))
            Assert.Equal(("200", "210", "190", "205", "3", 0), rows[("v2", c.OpenTimeUs)]);
        Assert.Equal(
            1,
            await RunningSink.CountAsync(db, "SELECT count(*) FROM indicators WHERE version = 'live' AND (fields->>'rsi')::float8 = 40.5")
        );
        Assert.Equal(
            1,
            await RunningSink.CountAsync(db, "SELECT count(*) FROM indicators WHERE version = 'v2' AND (fields->>'rsi')::float8 = 61.25")
        );
        // Its own positions: the live sink's are untouched, the version's cover its six candles and one indicator.
        Assert.Equal(7, await RunningSink.CountAsync(db, "SELECT sum(next_offset) FROM sink_positions WHERE consumer = 'replay-v2-sink'"));
        Assert.Equal(6, await RunningSink.CountAsync(db, "SELECT sum(next_offset) FROM sink_positions WHERE consumer = 'pipeline-sink'"));

        // Run again (a restart after the finish): nothing is read twice, nothing changes.
        var again = new VersionSink(kafka.Settings, db, V2, RunningSink.Loggers, new SinkOptions { BatchLingerMs = 50 });
        var rerun = again.RunAsync(CancellationToken.None);
        again.Finish();
        await rerun.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(rows, await CandlesAsync(db));
    }

    [Fact]
    public async Task A_version_record_the_sink_cannot_store_goes_to_the_versions_dead_letter_topic()
    {
        await using var kafka = await TestKafka.StartAsync(partitions: 1);
        var topics = new VersionTopics(V2);
        await TopicProvisioner.EnsureTopicsAsync(kafka.Settings, 1, 1, NullLogger.Instance, topics.All);
        var db = await TestPostgres.CreateDatabaseAsync();
        await ProduceAsync(
            kafka.Settings,
            topics.FinalCandles.Name,
            [Candle(Day, "100", "99", "98", "99.5", "1", closed: true, revision: 0)],
            c => c.Instrument.Key
        );
        await ProduceAsync(
            kafka.Settings,
            topics.FinalCandles.Name,
            [Candle(Day + 60_000_000, "100", "101", "99", "100", "1", closed: true, revision: 0)],
            c => c.Instrument.Key
        );

        var sink = new VersionSink(kafka.Settings, db, V2, RunningSink.Loggers, new SinkOptions { BatchLingerMs = 50 });
        var run = sink.RunAsync(CancellationToken.None);
        sink.Finish();
        await run.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(1, await RunningSink.CountAsync(db, "SELECT count(*) FROM candles WHERE version = 'v2'"));
        using var deadLetters = new TopicReader<DeadLetter>(kafka.Settings, topics.DeadLetters.Name);
        var dead = (await Eventually.GetAsync(deadLetters.PollAsync, l => l.Count > 0, what: "a dead letter on replay.v2.deadletter"))[0];
        Assert.Equal(("replay.v2.candles.final", "invalid_candle"), (dead.SourceTopic, dead.ReasonCode));
        Assert.Equal(0, await RunningSink.CountAsync(db, "SELECT count(*) FROM candles WHERE version = 'live'"));
    }

    private static IndicatorValue Rsi(long openUs, double value)
    {
        var i = new IndicatorValue
        {
            Instrument = BtcUsdt,
            Interval = "1m",
            OpenTimeUs = openUs,
            Indicator = "rsi(14)",
        };
        i.Fields.Add(new IndicatorField { Name = "rsi", Value = value });
        return i;
    }

    private static async Task<Dictionary<(string, long), (string, string, string, string, string, int)>> CandlesAsync(string db)
    {
        await using var conn = new NpgsqlConnection(db);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(
            "SELECT version, time, open::text, high::text, low::text, close::text, volume::text, revision FROM candles",
            conn
        );
        await using var r = await cmd.ExecuteReaderAsync();
        var rows = new Dictionary<(string, long), (string, string, string, string, string, int)>();
        while (await r.ReadAsync())
            rows[(r.GetString(0), UnixMicros.FromDateTime(r.GetDateTime(1)).Value)] = (
                r.GetString(2),
                r.GetString(3),
                r.GetString(4),
                r.GetString(5),
                r.GetString(6),
                r.GetInt32(7)
            );
        return rows;
    }
}
