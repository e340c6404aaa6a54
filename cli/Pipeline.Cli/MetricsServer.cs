// `--metrics-port`: a small HTTP server with /metrics (Prometheus text) and /ready beside a standalone role that has no HTTP port
// of its own.
using System.CommandLine;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using Pipeline.Plumbing.Errors;
using Pipeline.Plumbing.Health;
using Pipeline.Plumbing.Metrics;

namespace Pipeline.Cli;

public static class MetricsServer
{
    /// <summary>The option every standalone role takes. Off unless given: two roles on one host would otherwise
    /// collide on a default port. The compose file and docs use 9464 (OpenTelemetry's Prometheus exporter port).</summary>
    public static Option<int?> PortOption() =>
        new("--metrics-port")
        {
            Description =
                "Serve Prometheus metrics at http://<host>:PORT/metrics (all interfaces; off when not given; 9464 is conventional)",
        };

    /// <summary>Starts the server when <paramref name="port"/> is set; null otherwise. Stop it by disposing.</summary>
    public static async Task<IAsyncDisposable?> StartAsync(int? port, ILogger log, CancellationToken ct)
    {
        if (port is null)
            return null;
        if (port is < 1 or > 65535)
            throw new InvalidRequestException($"--metrics-port {port} is out of range; use 1..65535");
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://0.0.0.0:{port}");
        builder.Services.AddOpenTelemetry().WithMetrics(m => m.AddMeter(PipelineMeters.Exported).AddPrometheusExporter());
        var app = builder.Build();
        app.MapPrometheusScrapingEndpoint("/metrics");
        // The roles of this process that report readiness (RoleReadiness): 200 "ok", or 503 with each reason on a line.
        app.MapGet(
            "/ready",
            () =>
                RoleReadiness.Problems() is { Count: > 0 } problems
                    ? Results.Text(string.Join("\n", problems) + "\n", statusCode: 503)
                    : Results.Text("ok\n")
        );
        try
        {
            await app.StartAsync(ct);
        }
        catch (IOException e)
        {
            await app.DisposeAsync();
            throw new InvalidRequestException($"--metrics-port {port} cannot be used ({e.Message}); pick a free port");
        }
        log.LogInformation("Metrics at http://0.0.0.0:{Port}/metrics", port);
        return app;
    }
}
