using Npgsql;
using Pipeline.Testing;

namespace Pipeline.Foundation.Tests;

/// <summary>Each standalone role (`pipeline broker|produce|process|sink --metrics-port N`) serves /metrics with the series an
/// operator watches, and they move while data flows: the roles run as separate processes, as in production.</summary>
public sealed class RoleMetricsTests : IDisposable
{
    private readonly MetricsProcesses _roles = new();

    public void Dispose() => _roles.Dispose();

    private Task<PrometheusScrape> ScrapeAsync(int port) => _roles.ScrapeAsync(port);

    /// <summary>Waits until <paramref name="name"/> (with <paramref name="labels"/>) is exported, then until it grows.</summary>
    private async Task AssertMovesAsync(int port, string name, params string[] labels)
    {
        var first = await Eventually.GetAsync(
            () => _roles.SumAsync(port, name, labels),
            v => v is > 0,
            TimeSpan.FromSeconds(120),
            $"{name}{{{string.Join(",", labels)}}} on :{port}"
        );
        await Eventually.GetAsync(
            async () => (await ScrapeAsync(port)).Sum(name, labels),
            v => v > first,
            TimeSpan.FromSeconds(60),
            $"{name}{{{string.Join(",", labels)}}} on :{port} to grow past {first}"
        );
    }

    private async Task AssertExportedAsync(int port, string name, params string[] labels) =>
        await Eventually.GetAsync(
            async () => (await ScrapeAsync(port)).Sum(name, labels),
            v => v is not null,
            TimeSpan.FromSeconds(60),
            $"{name}{{{string.Join(",", labels)}}} on :{port}"
        );

    [Fact]
    public async Task Every_standalone_role_serves_metrics_whose_key_series_move_while_data_flows()
    {
        var brokerMetrics = Pipeline.Embedded.FreePort.Next();
        var broker = _roles.Start(
            new Dictionary<string, string?>(),
            "broker",
            "--port",
            "0",
            "--metrics-port",
            brokerMetrics.ToString(),
            "--data-dir",
            TestDirectories.Create("metrics-broker")
        );
        var listening = (
            await broker.WaitForLineAsync(l => l.StartsWith("LISTENING ", StringComparison.Ordinal), TimeSpan.FromSeconds(120), "LISTENING")
        )["LISTENING ".Length..];

        var db = new NpgsqlConnectionStringBuilder(await TestPostgres.CreateDatabaseAsync()) { Pooling = false }.ConnectionString;
        var env = new Dictionary<string, string?> { ["PIPELINE__KAFKA__BOOTSTRAP"] = listening, ["PIPELINE__DATABASE__URL"] = db };
        var (produce, process, sink) = (
            Pipeline.Embedded.FreePort.Next(),
            Pipeline.Embedded.FreePort.Next(),
            Pipeline.Embedded.FreePort.Next()
        );
        foreach (var (role, port) in new[] { ("produce", produce), ("process", process), ("sink", sink) })
            _roles.Start(env, role, "--metrics-port", port.ToString());

        await AssertMovesAsync(brokerMetrics, "pipeline_broker_requests_total", "api_key=\"Produce\"");
        await AssertMovesAsync(brokerMetrics, "pipeline_broker_network_in_bytes_total");
        await AssertMovesAsync(brokerMetrics, "pipeline_broker_request_duration_seconds_count", "api_key=\"Fetch\"");
        await AssertExportedAsync(brokerMetrics, "pipeline_broker_log_size_bytes", "topic=\"trades.raw\"");

        await AssertMovesAsync(produce, "pipeline_records_out_total", "role=\"produce\"", "topic=\"trades.raw\"");

        await AssertMovesAsync(process, "pipeline_records_in_total", "role=\"process\"", "topic=\"trades.raw\"");
        await AssertMovesAsync(process, "pipeline_records_out_total", "role=\"process\"", "topic=\"trades.valid\"");
        await AssertMovesAsync(process, "pipeline_transactions_committed_total", "role=\"process\"");
        await AssertMovesAsync(process, "pipeline_transaction_commit_duration_seconds_count", "role=\"process\"");
        await AssertExportedAsync(process, "pipeline_consumer_lag", "topic=\"trades.raw\"");

        await AssertMovesAsync(sink, "pipeline_records_in_total", "role=\"sink\"");
        await AssertMovesAsync(sink, "pipeline_sink_write_duration_seconds_count");
        await AssertMovesAsync(sink, "pipeline_sink_batch_rows_sum");
        await AssertExportedAsync(sink, "pipeline_sink_database_up");
        await AssertExportedAsync(sink, "pipeline_data_freshness_seconds", "instrument=\"");
        await AssertExportedAsync(sink, "pipeline_consumer_lag");

        // .NET runtime meters on every role.
        foreach (var port in new[] { brokerMetrics, produce, process, sink })
            Assert.Contains((await ScrapeAsync(port)).Names, n => n.StartsWith("dotnet_gc_", StringComparison.Ordinal));
        Assert.Equal(1, (await ScrapeAsync(sink)).Sum("pipeline_sink_database_up"));
    }
}
