// Transient or not, by exception type and SQL state, on failures a real PostgreSQL server produced.
using Npgsql;

namespace Pipeline.Sinks.Tests;

public sealed class SinkFailureClassificationTests
{
    public static TheoryData<string, string, bool> Failures =>
        new()
        {
            { nameof(RealDatabaseFailures.AdminShutdownAsync), "57P01", true },
            { nameof(RealDatabaseFailures.TooManyConnectionsAsync), "53300", true },
            { nameof(RealDatabaseFailures.SerializationFailureAsync), "40001", true },
            { nameof(RealDatabaseFailures.UniqueViolationAsync), "23505", false },
            { nameof(RealDatabaseFailures.InvalidTextRepresentationAsync), "22P02", false },
        };

    [Theory]
    [MemberData(nameof(Failures))]
    public async Task A_real_server_failure_is_transient_exactly_when_its_sql_state_says_so(string failure, string sqlState, bool transient)
    {
        var e = await Produce(failure);

        var pg = Assert.IsType<PostgresException>(e);
        Assert.Equal(sqlState, pg.SqlState);
        // The connection state does not decide a PostgresException: only its SQL state does.
        Assert.Equal(transient, SinkFailures.IsTransient(e, connectionOpen: true));
        Assert.Equal(transient, SinkFailures.IsTransient(e, connectionOpen: false));
    }

    [Fact]
    public async Task A_refused_connection_is_transient()
    {
        // A port nothing listens on: the OS refuses the connection (no server, no SQL state).
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        await using var conn = new NpgsqlConnection($"Host=127.0.0.1;Port={port};Username=x;Database=x;Timeout=5;Pooling=false");

        var e = await Assert.ThrowsAnyAsync<NpgsqlException>(() => conn.OpenAsync());

        Assert.IsNotType<PostgresException>(e);
        Assert.True(SinkFailures.IsTransient(e, connectionOpen: false));
    }

    [Fact]
    public void Misuse_of_an_open_connection_is_not_transient_but_work_refused_on_a_broken_one_is()
    {
        var misuse = new InvalidOperationException("a command is already in progress");

        Assert.False(SinkFailures.IsTransient(misuse, connectionOpen: true));
        Assert.True(SinkFailures.IsTransient(misuse, connectionOpen: false));
    }

    private static Task<Exception> Produce(string failure) =>
        failure switch
        {
            nameof(RealDatabaseFailures.AdminShutdownAsync) => RealDatabaseFailures.AdminShutdownAsync(),
            nameof(RealDatabaseFailures.TooManyConnectionsAsync) => RealDatabaseFailures.TooManyConnectionsAsync(),
            nameof(RealDatabaseFailures.SerializationFailureAsync) => RealDatabaseFailures.SerializationFailureAsync(),
            nameof(RealDatabaseFailures.UniqueViolationAsync) => RealDatabaseFailures.UniqueViolationAsync(),
            nameof(RealDatabaseFailures.InvalidTextRepresentationAsync) => RealDatabaseFailures.InvalidTextRepresentationAsync(),
            _ => throw new ArgumentOutOfRangeException(nameof(failure)),
        };
}
