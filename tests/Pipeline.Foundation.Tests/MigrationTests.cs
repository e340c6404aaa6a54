using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Pipeline.Plumbing.Configuration;
using Pipeline.Plumbing.Database;
using Pipeline.Testing;

namespace Pipeline.Foundation.Tests;

public class MigrationTests
{
    [Fact]
    public async Task Migrations_apply_once_and_a_second_run_changes_nothing()
    {
        var cs = await TestPostgres.CreateDatabaseAsync(migrate: false);
        await using var db = NpgsqlDataSource.Create(cs);

        var first = await MigrationRunner.ApplyAsync(db, NullLogger.Instance);
        var second = await MigrationRunner.ApplyAsync(db, NullLogger.Instance);

        Assert.Equal(MigrationRunner.Migrations().Select(m => m.Version), first);
        Assert.Empty(second);
        await using var cmd = db.CreateCommand("SELECT count(*) FROM schema_migrations");
        Assert.Equal((long)first.Count, (long)(await cmd.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task Trades_and_candles_are_partitioned_by_day_without_timescaledb()
    {
        var cs = await TestPostgres.CreateDatabaseAsync();
        await using var db = NpgsqlDataSource.Create(cs);
        await using (var cmd = db.CreateCommand("SELECT count(*) FROM pg_available_extensions WHERE name = 'timescaledb'"))
            Assert.Equal(0L, (long)(await cmd.ExecuteScalarAsync())!); // this machine has no TimescaleDB

        await using (
            var cmd = db.CreateCommand("SELECT pipeline_ensure_day_partitions('trades', '2025-01-01T23:00Z', '2025-01-03T01:00Z')")
        )
            await cmd.ExecuteNonQueryAsync();
        await using (
            var cmd = db.CreateCommand(
                "SELECT string_agg(c.relname, ',' ORDER BY c.relname) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE "
                    + "i.inhparent = 'trades'::regclass"
            )
        )
            Assert.Equal("trades_20250101,trades_20250102,trades_20250103", (string)(await cmd.ExecuteScalarAsync())!);

        // A row outside any partition is refused, not silently dropped.
        await using (
            var cmd = db.CreateCommand("INSERT INTO trades (time, instrument_id, trade_id, price, size) VALUES ('2030-01-01Z', 1, 1, 1, 1)")
        )
            await Assert.ThrowsAsync<PostgresException>(() => cmd.ExecuteNonQueryAsync());
    }

    [Theory]
    [InlineData("100", "90", "95", "99", "candles_high_is_highest")] // high below close
    [InlineData("100", "110", "101", "105", "candles_low_is_lowest")] // low above open
    [InlineData("0", "110", "0", "105", "candles_prices_positive")]
    public async Task Candle_rows_that_break_OHLC_rules_are_refused(string open, string high, string low, string close, string constraint)
    {
        var cs = await TestPostgres.CreateDatabaseAsync();
        await using var db = NpgsqlDataSource.Create(cs);
        await using (var cmd = db.CreateCommand("SELECT pipeline_ensure_day_partitions('candles', '2025-01-01Z', '2025-01-01Z')"))
            await cmd.ExecuteNonQueryAsync();
        await using var insert = db.CreateCommand(
            $"INSERT INTO candles (time, instrument_id, interval, open, high, low, close, volume, quote_volume, trade_count, closed) "
                + $"VALUES ('2025-01-01T00:00Z', 1, '1m', {open}, {high}, {low}, {close}, 1, 1, 1, true)"
        );
        var e = await Assert.ThrowsAsync<PostgresException>(() => insert.ExecuteNonQueryAsync());
        Assert.Equal(constraint, e.ConstraintName);
        await using var alive = db.CreateCommand("SELECT 1");
        Assert.Equal(1, (int)(await alive.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task Existing_candles_and_indicators_become_the_live_version_when_versions_arrive()
    {
        // A database as it was before 004: the earlier migrations applied and recorded, with rows in them.
        var cs = await TestPostgres.CreateDatabaseAsync(migrate: false);
        await using var db = NpgsqlDataSource.Create(cs);
        await using (
            var cmd = db.CreateCommand(
                "CREATE TABLE schema_migrations (version text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL "
                    + "DEFAULT now())"
            )
        )
            await cmd.ExecuteNonQueryAsync();
        foreach (var (version, sql) in MigrationRunner.Migrations().Where(m => string.CompareOrdinal(m.Version, "004") < 0))
        {
            await using (var cmd = db.CreateCommand(sql))
                await cmd.ExecuteNonQueryAsync();
            await using var record = db.CreateCommand($"INSERT INTO schema_migrations (version, checksum) VALUES ('{version}', 'old')");
            await record.ExecuteNonQueryAsync();
        }
        await using (
            var cmd = db.CreateCommand(
                """
                SELECT pipeline_ensure_day_partitions('candles', '2025-01-01Z', '2025-01-01Z');
                INSERT INTO candles (time, instrument_id, interval, open, high, low, close, volume, quote_volume, trade_count, closed)
                    VALUES ('2025-01-01T00:00Z', 1, '1m', 10, 12, 9, 11, 1, 11, 3, true);
                INSERT INTO indicators (time, instrument_id, interval, indicator, fields)
                VALUES ('2025-01-01T00:00Z', 1, '1m', 'rsi(14)', '{"rsi": 50}');
                """
            )
        )
            await cmd.ExecuteNonQueryAsync();

        var applied = await MigrationRunner.ApplyAsync(db, NullLogger.Instance);

        Assert.Contains("004_versions", applied);
        await using (
            var cmd = db.CreateCommand(
                "SELECT (SELECT string_agg(version, ',') FROM candles), (SELECT string_agg(version, ',') FROM indicators), (SELECT "
                    + "version FROM current_data_version)"
            )
        )
        await using (var r = await cmd.ExecuteReaderAsync())
        {
            Assert.True(await r.ReadAsync());
            Assert.Equal(("live", "live", "live"), (r.GetString(0), r.GetString(1), r.GetString(2)));
        }
        // The same candle key in another version is a second row; in the same version it is a conflict.
        await using (
            var cmd = db.CreateCommand(
                "INSERT INTO candles (version, time, instrument_id, interval, open, high, low, close, volume, quote_volume, "
                    + "trade_count, closed) "
                    + "VALUES ('v2', '2025-01-01T00:00Z', 1, '1m', 20, 22, 19, 21, 1, 21, 3, true)"
            )
        )
            Assert.Equal(1, await cmd.ExecuteNonQueryAsync());
        await using (
            var cmd = db.CreateCommand(
                "INSERT INTO candles (time, instrument_id, interval, open, high, low, close, volume, quote_volume, trade_count, closed) "
                    + "VALUES ('2025-01-01T00:00Z', 1, '1m', 20, 22, 19, 21, 1, 21, 3, true)"
            )
        )
            Assert.Equal(
                PostgresErrorCodes.UniqueViolation,
                (await Assert.ThrowsAsync<PostgresException>(() => cmd.ExecuteNonQueryAsync())).SqlState
            );
    }

    [Fact]
    public async Task Instrument_sync_is_idempotent_and_keeps_listings_distinct()
    {
        var cs = await TestPostgres.CreateDatabaseAsync();
        await using var db = NpgsqlDataSource.Create(cs);
        var instruments = PipelineConfiguration.DefaultInstruments();
        instruments.Add(
            new InstrumentOptions
            {
                Exchange = "coinbase",
                Base = "BTC",
                Quote = "USDC",
                Market = "spot",
            }
        );

        await InstrumentRegistry.SyncAsync(db, instruments);
        await InstrumentRegistry.SyncAsync(db, instruments);
        var ids = await InstrumentRegistry.LoadIdsAsync(db);

        Assert.Equal(instruments.Count, ids.Count);
        Assert.NotEqual(ids["coinbase:BTC/USD:spot"], ids["coinbase:BTC/USDC:spot"]);
    }
}
