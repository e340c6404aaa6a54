// Dropping a replay version (ADR 0006): its rows, positions, topics and row go; live and the current version are refused.
using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Pipeline.Plumbing.Database;
using Pipeline.Plumbing.Errors;
using Pipeline.Plumbing.Kafka;
using Pipeline.Plumbing.Topics;
using Pipeline.Schemas;
using Pipeline.Sinks;
using Pipeline.Testing;

namespace Pipeline.Api.Tests;

public sealed class VersionDropTests
{
    [Fact]
    public async Task Drop_removes_a_versions_rows_topics_and_row_and_refuses_live_and_the_current_version()
    {
        await using var kafka = await TestKafka.StartAsync(partitions: 1);
        await using var api = await RunningApi.StartAsync(kafka.Settings);
        var v2 = DataVersion.Parse("v2");
        var v3 = DataVersion.Parse("v3");
        foreach (var v in new[] { v2, v3 })
            await TopicProvisioner.EnsureTopicsAsync(kafka.Settings, 1, 1, NullLogger.Instance, new VersionTopics(v).All);
        await api.ExecuteAsync(
            """
            SELECT pipeline_ensure_day_partitions('candles', '2025-01-15Z', '2025-01-15Z');
            INSERT INTO data_versions (name, state) VALUES ('v2', 'complete'), ('v3', 'complete');
            INSERT INTO candles (version, time, instrument_id, interval, source, open, high, low, close, volume, quote_volume,
                trade_count, closed)
            SELECT v, '2025-01-15Z', 1, '1m', 1, 1, 1, 1, 1, 1, 1, 1, true FROM unnest('{live,v2,v3}'::text[]) v;
            INSERT INTO indicators (version, time, instrument_id, interval, indicator, fields)
            SELECT v, '2025-01-15Z', 1, '1m', 'rsi(14)', '{}' FROM unnest('{live,v2,v3}'::text[]) v;
            INSERT INTO sink_positions (consumer, topic, partition, next_offset) VALUES ('replay-v2-sink', 'replay.v2.candles.final', 0, 1);
            UPDATE current_data_version SET version = 'v3';
            """
        );
        await using var db = NpgsqlDataSource.Create(api.Database);

        var live = await Assert.ThrowsAsync<InvalidRequestException>(() =>
            DataVersionDrop.DropAsync(db, kafka.Settings, DataVersion.Live, VersionSink.ConsumerNameOf(v2), force: true)
        );
        Assert.Contains("live version cannot be dropped", live.Message);
        var current = await Assert.ThrowsAsync<InvalidRequestException>(() =>
            DataVersionDrop.DropAsync(db, kafka.Settings, v3, VersionSink.ConsumerNameOf(v3), force: true)
        );
        Assert.Contains("is the current version", current.Message);

        var dropped = await DataVersionDrop.DropAsync(db, kafka.Settings, v2, VersionSink.ConsumerNameOf(v2), force: false);

        Assert.Equal((1L, 1L), (dropped.Candles, dropped.Indicators));
        Assert.Equal(new VersionTopics(v2).All.Select(t => t.Name).Order(), dropped.Topics);
        Assert.Equal(["live", "v3"], await ListAsync(db, "SELECT DISTINCT version FROM candles ORDER BY 1"));
        Assert.Equal(["live", "v3"], await ListAsync(db, "SELECT DISTINCT version FROM indicators ORDER BY 1"));
        Assert.Equal(["live", "v3"], await ListAsync(db, "SELECT name FROM data_versions ORDER BY 1"));
        Assert.Empty(await ListAsync(db, "SELECT consumer FROM sink_positions"));
        // The topics are gone from the broker (metadata read by a fresh admin client); v3's are untouched.
        using var admin = new AdminClientBuilder(kafka.Settings.Admin("check")).Build();
        var topics = admin
            .GetMetadata(TimeSpan.FromSeconds(10))
            .Topics.Where(t => t.Error.Code == ErrorCode.NoError)
            .Select(t => t.Topic)
            .ToList();
        Assert.DoesNotContain(topics, t => t.StartsWith("replay.v2.", StringComparison.Ordinal));
        Assert.Contains("replay.v3.candles.final", topics);
        // Dropped means unknown to the API too.
        using var gone = await api.Http.GetAsync("/candles/binance/BTC/USDT/spot/1m?version=v2");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, gone.StatusCode);
        var again = await Assert.ThrowsAsync<InvalidRequestException>(() =>
            DataVersionDrop.DropAsync(db, kafka.Settings, v2, VersionSink.ConsumerNameOf(v2), force: false)
        );
        Assert.Contains("does not exist", again.Message);
    }

    private static async Task<List<string>> ListAsync(NpgsqlDataSource db, string sql)
    {
        await using var cmd = db.CreateCommand(sql);
        await using var r = await cmd.ExecuteReaderAsync();
        var list = new List<string>();
        while (await r.ReadAsync())
            list.Add(r.GetString(0));
        return list;
    }
}
