// One real PostgreSQL cluster per test run (started on first use, stopped at exit); a fresh database per caller.
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Pipeline.Embedded;
using Pipeline.Plumbing.Database;

namespace Pipeline.Testing;

public static class TestPostgres
{
    private static readonly Lazy<Task<LocalPostgres>> Cluster = new(StartAsync);
    private static int _databases;

    private static async Task<LocalPostgres> StartAsync()
    {
        var pg = await LocalPostgres.StartAsync(TestDirectories.Create("postgres"), 0, NullLogger.Instance);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => pg.StopAsync().GetAwaiter().GetResult();
        return pg;
    }

    public static async Task<LocalPostgres> ClusterAsync() => await Cluster.Value;

    /// <summary>Creates an empty database (with the pipeline's migrations applied unless told otherwise) and returns its connection
    /// string.</summary>
    public static async Task<string> CreateDatabaseAsync(bool migrate = true)
    {
        var pg = await Cluster.Value;
        var name = $"test_{Environment.ProcessId}_{Interlocked.Increment(ref _databases)}";
        var admin = new NpgsqlConnectionStringBuilder(pg.ConnectionString) { Database = "postgres", Pooling = false }.ConnectionString;
        await using (var conn = new NpgsqlConnection(admin))
        {
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand($"CREATE DATABASE {name}", conn);
            await cmd.ExecuteNonQueryAsync();
        }
        var cs = new NpgsqlConnectionStringBuilder(pg.ConnectionString) { Database = name }.ConnectionString;
        if (migrate)
        {
            await using var db = NpgsqlDataSource.Create(cs);
            await MigrationRunner.ApplyAsync(db, NullLogger.Instance);
        }
        return cs;
    }
}
