using System.Diagnostics;
using Npgsql;
using Pipeline.Testing;

namespace Pipeline.Foundation.Tests;

/// <summary>Each standalone role (`pipeline broker|produce|process|sink --metrics-port N`) serves /metrics with the series an
/// operator watches, and they move while data flows: the roles run as separate processes, as in production.</summary>
public sealed class RoleMetricsTests : IAsyncLifetime
{
    private readonly List<Process> _processes = [];
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        foreach (var p in _processes)
        {
            try
            {
                if (!p.HasExited)
                    p.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException) { }
            p.Dispose();
        }
        _http.Dispose();
        return Task.CompletedTask;
    }

    private Process Start(IDictionary<string, string> env, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = TestDirectories.Create("metrics-role"),
        };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "pipeline.dll"));
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        foreach (var k in psi.Environment.Keys.Where(k => k.StartsWith("PIPELINE__")).ToList())
            psi.Environment.Remove(k);
        foreach (var (k, v) in env)
            psi.Environment[k] = v;
        var p = Process.Start(psi)!;
        _processes.Add(p);
        p.ErrorDataReceived += (_, _) => { };
        p.BeginErrorReadLine();
        return p;
    }

    private Task<PrometheusScrape> ScrapeAsync(int port) => PrometheusScrape.GetAsync(_http, $"http://127.0.0.1:{port}/metrics");

    /// <summary>Waits until <paramref name="name"/> (with <paramref name="labels"/>) is exported, then until it grows.</summary>
    private async Task AssertMovesAsync(int port, string name, params string[] labels)
    {
        var first = await Eventually.GetAsync(
            async () =>
            {
                try
                {
                    return (await ScrapeAsync(port)).Sum(name, labels);
                }
                catch (HttpRequestException)
                {
                    return null;
                }
            },
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
        var broker = Start(
            new Dictionary<string, string>(),
            "broker",
            "--port",
            "0",
            "--metrics-port",
            brokerMetrics.ToString(),
            "--data-dir",
            TestDirectories.Create("metrics-broker")
        );
        var listening = await Task.Run(() =>
            {
                while (broker.StandardOutput.ReadLine() is { } line)
                    if (line.StartsWith("LISTENING ", StringComparison.Ordinal))
                        return line["LISTENING ".Length..];
                return null;
            })
            .WaitAsync(TimeSpan.FromSeconds(120));
        Assert.True(listening is not null, "the broker exited before listening");
        _ = broker.StandardOutput.ReadToEndAsync();

        var db = new NpgsqlConnectionStringBuilder(await TestPostgres.CreateDatabaseAsync()) { Pooling = false }.ConnectionString;
        var env = new Dictionary<string, string> { ["PIPELINE__KAFKA__BOOTSTRAP"] = listening!, ["PIPELINE__DATABASE__URL"] = db };
        var (produce, process, sink) = (
            Pipeline.Embedded.FreePort.Next(),
            Pipeline.Embedded.FreePort.Next(),
            Pipeline.Embedded.FreePort.Next()
        );
        foreach (var (role, port) in new[] { ("produce", produce), ("process", process), ("sink", sink) })
        {
            var p = Start(env, role, "--metrics-port", port.ToString());
            _ = p.StandardOutput.ReadToEndAsync();
        }

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
