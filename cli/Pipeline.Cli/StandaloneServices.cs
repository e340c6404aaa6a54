// What a command that runs against a configured Kafka starts before its work, in one place: loggers, the optional
// /metrics and /ready server, then the pipeline services (never the embedded broker). Disposed in reverse order.
using Microsoft.Extensions.Logging;
using Pipeline.Plumbing;
using Pipeline.Plumbing.Configuration;

namespace Pipeline.Cli;

public sealed class StandaloneServices : IAsyncDisposable
{
    private readonly IAsyncDisposable? _metricsServer;

    private StandaloneServices(ILoggerFactory loggers, IAsyncDisposable? metricsServer, PipelineServices services)
    {
        Loggers = loggers;
        _metricsServer = metricsServer;
        Services = services;
    }

    public ILoggerFactory Loggers { get; }
    public PipelineServices Services { get; }
    public PipelineContext Context => Services.Context;

    /// <param name="metricsPort">The --metrics-port value: serve /metrics and /ready there; none when null.</param>
    /// <param name="failFast">Exit when Kafka or the database is unreachable, instead of waiting for them.</param>
    public static async Task<StandaloneServices> StartAsync(
        PipelineOptions options,
        int? metricsPort,
        bool needsDatabase,
        CancellationToken ct,
        bool failFast = true
    )
    {
        var loggers = PipelineServices.CreateLoggerFactory();
        IAsyncDisposable? metricsServer = null;
        try
        {
            metricsServer = await MetricsServer.StartAsync(metricsPort, loggers.CreateLogger("pipeline"), ct);
            var services = await PipelineServices.StartAsync(options, loggers, allowEmbedded: false, needsDatabase, ct, failFast);
            return new StandaloneServices(loggers, metricsServer, services);
        }
        catch
        {
            if (metricsServer is not null)
                await metricsServer.DisposeAsync();
            loggers.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        if (_metricsServer is not null)
            await _metricsServer.DisposeAsync();
        Loggers.Dispose();
    }
}
