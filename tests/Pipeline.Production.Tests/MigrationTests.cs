// Schema migrations under the conditions of a scaled deployment: many replicas start at once against one database, and
// the TimescaleDB branch (hypertables, compression) runs on a real TimescaleDB build.
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Pipeline.Plumbing.Database;
using Pipeline.Testing;

namespace Pipeline.Production.Tests;

public class MigrationTests
{
    [Fact]
    public async Task Eight_replicas_migrating_one_database_at_once_apply_each_migration_exactly_once()
    {
        var cs = await TestPostgres.CreateDatabaseAsync(migrate: false);
        const int replicas = 8;
        using var start = new Barrier(replicas);
        // Each replica its own data source and connection, as separate processes would have; all released at once.
        var runs = Enumerable
            .Range(0, replicas)
            .Select(_ =>
                Task.Run(async () =>
                {
                    await using var db = NpgsqlDataSource.Create(
                        new NpgsqlConnectionStringBuilder(cs) { Pooling = false }.ConnectionString
                    );
                    start.SignalAndWait();
                    return await MigrationRunner.ApplyAsync(db, NullLogger.Instance);
                })
            )
            .ToList();
        var applied = await Task.WhenAll(runs);

        var all = MigrationRunner.Migrations().Select(m => m.Version).ToList();
        var byAll = applied.SelectMany(a => a).ToList();
        Assert.Equal(all, byAll.Order(StringComparer.Ordinal).ToList()); // each version once over all replicas
        Assert.Single(applied, a => a.Count > 0); // the first holder of the lock did it all; the others found it done
        await using var conn = new NpgsqlConnection(cs);
        await conn.OpenAsync();
        await using (var cmd = new NpgsqlCommand("SELECT version FROM schema_migrations ORDER BY version", conn))
        await using (var reader = await cmd.ExecuteReaderAsync())
        {
            var recorded = new List<string>();
            while (await reader.ReadAsync())
                recorded.Add(reader.GetString(0));
            Assert.Equal(all, recorded);
        }
        await using (var cmd = new NpgsqlCommand("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'", conn))
            Assert.Equal(0L, (long)(await cmd.ExecuteScalarAsync())!); // every replica released the lock
    }

    [Fact]
    public async Task The_TimescaleDB_branch_makes_day_chunk_hypertables_with_compression_on_a_real_TimescaleDB()
    {
        await using var server = await PgliteTimescale.StartAsync();
        var cs = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = server.Port,
            Username = "postgres",
            Password = "unused",
            Database = "postgres",
            SslMode = SslMode.Disable,
            Pooling = false,
        }.ConnectionString;
        await using var db = NpgsqlDataSource.Create(cs);
        var applied = await MigrationRunner.ApplyAsync(db, NullLogger.Instance);
        Assert.Equal(MigrationRunner.Migrations().Select(m => m.Version), applied);
        Assert.Empty(await MigrationRunner.ApplyAsync(db, NullLogger.Instance)); // a second replica finds nothing to do

        await using var conn = await db.OpenConnectionAsync();
        async Task<List<string>> Rows(string sql)
        {
            await using var cmd = new NpgsqlCommand(sql, conn);
            await using var reader = await cmd.ExecuteReaderAsync();
            var rows = new List<string>();
            while (await reader.ReadAsync())
                rows.Add(
                    string.Join(
                        "|",
                        Enumerable
                            .Range(0, reader.FieldCount)
                            .Select(i => Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture))
                    )
                );
            return rows;
        }
        Assert.Equal(
            ["candles|time|1.00:00:00", "trades|time|1.00:00:00"],
            await Rows("SELECT hypertable_name, column_name, time_interval FROM timescaledb_information.dimensions ORDER BY 1")
        );
        Assert.Equal(
            ["candles|True", "trades|True"],
            await Rows("SELECT hypertable_name, compression_enabled FROM timescaledb_information.hypertables ORDER BY 1")
        );
        Assert.Equal(
            ["candles|7 days", "trades|7 days"],
            await Rows(
                "SELECT hypertable_name, config->>'compress_after' FROM timescaledb_information.jobs WHERE proc_name = "
                    + "'policy_compression' ORDER BY 1"
            )
        );

        // A late revision of a candle in an already compressed chunk is still stored (upsert into a compressed chunk).
        await Rows("INSERT INTO instruments (exchange, base, quote, market) VALUES ('binance', 'BTC', 'USDT', 'spot')");
        const string upsert =
            "INSERT INTO candles (time, instrument_id, interval, open, high, low, close, volume, quote_volume, trade_count, closed, "
            + "revision) "
            + "VALUES ('2025-01-01T00:00:00Z', 1, '1m', 100, {0}, 100, {0}, 1, 100, {1}, true, {1}) "
            + "ON CONFLICT (version, instrument_id, interval, source, time) DO UPDATE SET high = excluded.high, close = excluded.close, "
            + "trade_count = excluded.trade_count, revision = excluded.revision";
        await Rows(string.Format(upsert, 101, 1));
        Assert.Single(await Rows("SELECT compress_chunk(c)::text FROM show_chunks('candles') c"));
        Assert.Equal(["True"], await Rows("SELECT is_compressed FROM timescaledb_information.chunks WHERE hypertable_name = 'candles'"));
        await Rows(string.Format(upsert, 102, 2));
        Assert.Equal(["102|2|2"], await Rows("SELECT high, trade_count, revision FROM candles"));
    }
}
