// A PostgresSink running in the test process against a test Kafka and database, stopped on dispose.
using Microsoft.Extensions.Logging;
using Npgsql;
using Pipeline.Plumbing.Configuration;
using Pipeline.Plumbing.Kafka;

namespace Pipeline.Sinks.Tests;

public sealed class RunningSink : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();

    private RunningSink(PostgresSink sink)
    {
        Sink = sink;
        Task = sink.RunAsync(_stop.Token);
    }

    public PostgresSink Sink { get; }
    public Task Task { get; }

    public static RunningSink Start(KafkaClientSettings kafka, string connectionString, SinkOptions? options = null) =>
        new(new PostgresSink(kafka, connectionString, options ?? new SinkOptions { BatchLingerMs = 50 }, Loggers));

    public static ILoggerFactory Loggers { get; } =
        LoggerFactory.Create(b =>
            b.AddSimpleConsole(o => o.SingleLine = true)
                .SetMinimumLevel(LogLevel.Information)
                .AddFilter(
                    "Npgsql",
                    Environment.GetEnvironmentVariable("SINK_TEST_NPGSQL_DEBUG") == "1" ? LogLevel.Debug : LogLevel.Warning
                )
        );

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        try
        {
            await Task;
        }
        catch (Exception)
        { /* a test that expects the failure asserts it on Task */
        }
        _stop.Dispose();
    }

    public static async Task<long> CountAsync(string connectionString, string sql)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        return Convert.ToInt64(await cmd.ExecuteScalarAsync());
    }
}
