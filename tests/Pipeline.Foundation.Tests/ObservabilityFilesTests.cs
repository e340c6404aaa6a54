using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging.Abstractions;

namespace Pipeline.Foundation.Tests;

/// <summary>The Grafana dashboard and the Prometheus alert rules reference only series the pipeline exports (no dead panels).</summary>
public class ObservabilityFilesTests
{
    private static readonly string Files = Path.Combine(AppContext.BaseDirectory, "observability");

    private static IEnumerable<string> Expressions()
    {
        using var dashboard = JsonDocument.Parse(File.ReadAllText(Path.Combine(Files, "grafana", "dashboards", "pipeline-overview.json")));
        foreach (var panel in dashboard.RootElement.GetProperty("panels").EnumerateArray())
        foreach (var target in panel.GetProperty("targets").EnumerateArray())
            yield return target.GetProperty("expr").GetString()!;
        foreach (var line in File.ReadLines(Path.Combine(Files, "prometheus", "alerts.yml")))
            if (line.TrimStart().StartsWith("expr:", StringComparison.Ordinal))
                yield return line.TrimStart()["expr:".Length..];
    }

    /// <summary>Metric names in PromQL: identifiers that are not functions, keywords, label names or label values.</summary>
    private static IEnumerable<string> MetricNames(string expr)
    {
        var withoutStrings = Regex.Replace(expr, "\"[^\"]*\"", "\"\"");
        var withoutLabels = Regex.Replace(withoutStrings, @"\{[^}]*\}|\[[^\]]*\]|by \([^)]*\)", "");
        return Regex
            .Matches(withoutLabels, @"[a-zA-Z_][a-zA-Z0-9_]*(?=\s*(\)|$|\s|>|<|=|\+|-|\*|/|,))")
            .Select(m => m.Value)
            .Where(n => n.Contains('_'));
    }

    /// <summary>Names every pipeline instrument is exported under, taken from the real exporter: each instrument of the
    /// process's meters records one zero measurement, observable ones report what they observe, then /metrics is read.</summary>
    private static async Task<HashSet<string>> ExportedNamesAsync()
    {
        foreach (
            var assembly in new[] { "Pipeline.Plumbing", "Pipeline.Processors", "Pipeline.Sinks", "Pipeline.Producers", "Pipeline.Broker" }
        )
        foreach (
            var type in System
                .Reflection.Assembly.Load(assembly)
                .GetTypes()
                .Where(t => t.Name.EndsWith("Metrics", StringComparison.Ordinal))
        )
            RuntimeHelpers.RunClassConstructor(type.TypeHandle);
        var port = Pipeline.Embedded.FreePort.Next();
        await using var server = await Pipeline.Cli.MetricsServer.StartAsync(port, NullLogger.Instance, CancellationToken.None);
        using (var listener = new MeterListener())
        {
            var instruments = new List<Instrument>();
            listener.InstrumentPublished = (i, _) =>
            {
                if (i.Meter.Name.StartsWith("Pipeline.", StringComparison.Ordinal))
                    instruments.Add(i);
            };
            listener.Start();
            foreach (var i in instruments)
            {
                switch (i)
                {
                    case Counter<long> c:
                        c.Add(0, new KeyValuePair<string, object?>("probe", "1"));
                        break;
                    case Histogram<long> h:
                        h.Record(0, new KeyValuePair<string, object?>("probe", "1"));
                        break;
                    case Histogram<double> h:
                        h.Record(0, new KeyValuePair<string, object?>("probe", "1"));
                        break;
                }
            }
        }
        Pipeline.Plumbing.Metrics.FreshnessMetrics.Stored("probe", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000);
        // A venue's breaker and a waiting record make the per-venue gauges report.
        using var guard = new Pipeline.Producers.Venues.VenueGuard(
            Pipeline.Producers.VenueRegistry.Default.Get("binance"),
            new Pipeline.Plumbing.Configuration.ConnectionOptions()
        );
        await new Pipeline.Producers.Connectors.RecordQueue(1).EnqueueAsync(
            new Pipeline.Schemas.V1.Trade { Instrument = new Pipeline.Schemas.V1.InstrumentRef { Exchange = "probe" } },
            CancellationToken.None
        );
        using var http = new HttpClient();
        // ASP.NET Core records a request's duration after its response is sent: scrape until the earlier scrapes show.
        var names = (
            await Pipeline.Testing.Eventually.GetAsync(
                () => PrometheusScrape.GetAsync(http, $"http://127.0.0.1:{port}/metrics"),
                s => s.Names.Contains("http_server_request_duration_seconds_bucket"),
                TimeSpan.FromSeconds(30),
                "HTTP server metrics"
            )
        ).Names.ToHashSet();
        // Observable gauges that report only while their subject exists (a tracked consumer, a broker log, a connector):
        // their exported names are checked live by RoleMetricsTests; here they are taken from that test's assertions.
        names.UnionWith([
            "pipeline_consumer_lag",
            "pipeline_broker_log_size_bytes",
            "pipeline_connector_connected",
            "pipeline_sink_database_up",
        ]);
        // Progress gauges of `pipeline backfill` and `pipeline import`: checked live by CommandMetricsTests.
        names.UnionWith(["pipeline_backfill_progress", "pipeline_import_progress"]);
        return names;
    }

    [Fact]
    public async Task Every_metric_the_dashboard_and_alert_rules_reference_is_exported()
    {
        var exported = await ExportedNamesAsync();
        var referenced = Expressions().SelectMany(MetricNames).Distinct().ToList();
        Assert.True(
            referenced.Count >= 10,
            $"expected the dashboard and rules to reference metrics, found {string.Join(", ", referenced)}"
        );
        var missing = referenced.Where(n => !exported.Contains(n)).ToList();
        Assert.True(missing.Count == 0, $"not exported: {string.Join(", ", missing)}\nexported: {string.Join(", ", exported.Order())}");
    }

    [Fact]
    public void The_Prometheus_config_loads_the_alert_rules_and_scrapes_every_role()
    {
        var config = File.ReadAllText(Path.Combine(Files, "prometheus", "prometheus.yml"));
        Assert.Contains("/etc/prometheus/alerts.yml", config);
        foreach (var job in new[] { "pipeline-api", "pipeline-produce", "pipeline-process", "pipeline-sink" })
            Assert.Contains($"job_name: {job}", config);
    }
}
