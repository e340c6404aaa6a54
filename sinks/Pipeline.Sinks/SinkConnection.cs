// A sink's own database connection: one un-pooled physical connection (the temp staging tables live on it), with
// keepalive and timeouts so a silent network (no RST) surfaces as an error instead of hanging the sink; replaced
// after a failure.
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Pipeline.Sinks;

internal sealed class SinkConnection : IAsyncDisposable
{
    private readonly NpgsqlDataSource _db;
    private readonly string _stagingSql;
    private NpgsqlConnection? _conn;

    /// <param name="stagingSql">Creates the temp staging tables on each new physical connection.</param>
    public SinkConnection(string connectionString, TimeSpan commandTimeout, string stagingSql, ILoggerFactory loggers)
    {
        var cs = new NpgsqlConnectionStringBuilder(connectionString)
        {
            Pooling = false,
            Timeout = 5,
            TcpKeepAlive = true,
            CommandTimeout = (int)commandTimeout.TotalSeconds,
        };
        _db = new NpgsqlDataSourceBuilder(cs.ConnectionString).UseLoggerFactory(loggers).Build();
        _stagingSql = stagingSql;
    }

    /// <summary>Whether the connection last handed out is still open (a failure on a closed one is a broken connection).</summary>
    public bool IsOpen => _conn is { State: System.Data.ConnectionState.Open };

    public async Task<NpgsqlConnection> OpenAsync(CancellationToken ct)
    {
        if (_conn is { State: System.Data.ConnectionState.Open })
            return _conn;
        Reset();
        var conn = await _db.OpenConnectionAsync(ct);
        await using (var cmd = new NpgsqlCommand(_stagingSql, conn))
            await cmd.ExecuteNonQueryAsync(ct);
        return _conn = conn;
    }

    /// <summary>Drops the connection after a failure; the next <see cref="OpenAsync"/> opens a new one.</summary>
    public void Reset()
    {
        try
        {
            _conn?.Dispose();
        }
        catch (Exception)
        { /* a broken connection may throw on close; it is gone either way */
        }
        _conn = null;
    }

    public async ValueTask DisposeAsync()
    {
        if (_conn is not null)
            await _conn.DisposeAsync();
        await _db.DisposeAsync();
    }
}
