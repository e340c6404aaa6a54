// Failures produced by a real PostgreSQL server (not constructed by hand), for the transient-error classification and
// the batch writer's state machine tests.
using Npgsql;
using Pipeline.Testing;

namespace Pipeline.Sinks.Tests;

public static class RealDatabaseFailures
{
    /// <summary>57P01: another session terminated ours (pg_terminate_backend, as an administrator or a restart does).</summary>
    public static async Task<Exception> AdminShutdownAsync()
    {
        var db = await TestPostgres.CreateDatabaseAsync(migrate: false);
        await using var victim = new NpgsqlConnection(db);
        await victim.OpenAsync();
        var pid = victim.ProcessID;
        await using (var admin = new NpgsqlConnection(db))
        {
            await admin.OpenAsync();
            await using var kill = new NpgsqlCommand("SELECT pg_terminate_backend($1)", admin);
            kill.Parameters.Add(new() { Value = pid });
            await kill.ExecuteScalarAsync();
        }
        return await FailureOfAsync(victim, "SELECT 1");
    }

    /// <summary>53300: a role limited to one connection opens a second.</summary>
    public static async Task<Exception> TooManyConnectionsAsync()
    {
        var db = await TestPostgres.CreateDatabaseAsync(migrate: false);
        var role = "limited_" + Guid.NewGuid().ToString("N")[..12];
        await using (var admin = new NpgsqlConnection(db))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE ROLE {role} LOGIN CONNECTION LIMIT 1", admin);
            await create.ExecuteNonQueryAsync();
        }
        var limited = new NpgsqlConnectionStringBuilder(db) { Username = role, Pooling = false }.ConnectionString;
        await using var first = new NpgsqlConnection(limited);
        await first.OpenAsync();
        try
        {
            await using var second = new NpgsqlConnection(limited);
            await second.OpenAsync();
        }
        catch (Exception e)
        {
            return e;
        }
        throw new InvalidOperationException("a second connection of a role limited to one was accepted");
    }

    /// <summary>40001: two serializable transactions that each read what the other writes (write skew).</summary>
    public static async Task<Exception> SerializationFailureAsync()
    {
        var db = await TestPostgres.CreateDatabaseAsync(migrate: false);
        await using var a = new NpgsqlConnection(db);
        await using var b = new NpgsqlConnection(db);
        await a.OpenAsync();
        await b.OpenAsync();
        await ExecuteAsync(a, "CREATE TABLE on_call (doctor text, on_duty boolean); INSERT INTO on_call VALUES ('a', true), ('b', true)");
        await using var ta = await a.BeginTransactionAsync(System.Data.IsolationLevel.Serializable);
        await using var tb = await b.BeginTransactionAsync(System.Data.IsolationLevel.Serializable);
        await ExecuteAsync(a, "SELECT count(*) FROM on_call WHERE on_duty");
        await ExecuteAsync(b, "SELECT count(*) FROM on_call WHERE on_duty");
        await ExecuteAsync(a, "UPDATE on_call SET on_duty = false WHERE doctor = 'a'");
        await ExecuteAsync(b, "UPDATE on_call SET on_duty = false WHERE doctor = 'b'");
        await ta.CommitAsync();
        try
        {
            await tb.CommitAsync();
        }
        catch (Exception e)
        {
            return e;
        }
        throw new InvalidOperationException("both serializable transactions of a write skew committed");
    }

    /// <summary>23505: a second row with the same primary key.</summary>
    public static async Task<Exception> UniqueViolationAsync()
    {
        var db = await TestPostgres.CreateDatabaseAsync(migrate: false);
        await using var conn = new NpgsqlConnection(db);
        await conn.OpenAsync();
        await ExecuteAsync(conn, "CREATE TEMP TABLE once (id int PRIMARY KEY); INSERT INTO once VALUES (1)");
        return await FailureOfAsync(conn, "INSERT INTO once VALUES (1)");
    }

    /// <summary>22P02: text that is not a number where a number is expected.</summary>
    public static async Task<Exception> InvalidTextRepresentationAsync()
    {
        var db = await TestPostgres.CreateDatabaseAsync(migrate: false);
        await using var conn = new NpgsqlConnection(db);
        await conn.OpenAsync();
        return await FailureOfAsync(conn, "SELECT 'twelve'::integer");
    }

    private static async Task ExecuteAsync(NpgsqlConnection conn, string sql)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync();
    }

    private static async Task<Exception> FailureOfAsync(NpgsqlConnection conn, string sql)
    {
        try
        {
            await ExecuteAsync(conn, sql);
        }
        catch (Exception e)
        {
            return e;
        }
        throw new InvalidOperationException($"'{sql}' succeeded");
    }
}
