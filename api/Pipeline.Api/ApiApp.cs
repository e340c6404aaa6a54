// Builds the query API: health, readiness, instruments and history routes, problem+json for every bad request.
using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Npgsql;
using NpgsqlTypes;
using OpenTelemetry.Metrics;
using Pipeline.Api.Answers;
using Pipeline.Plumbing;
using Pipeline.Plumbing.Metrics;
using Pipeline.Schemas.V1;

namespace Pipeline.Api;

public static class ApiApp
{
    public const string HistoryCachePolicy = "history";

    /// <summary>The history policy, except for answers from the recent-candle store
    /// (see <see cref="RecentCandles.CandleCachePolicy"/>).</summary>
    public const string CandleCachePolicy = "candles";

    /// <summary>A configured, not yet started app. <paramref name="urls"/> overrides Api:Urls (tests pass http://127.0.0.1:0).</summary>
    public static WebApplication Build(PipelineContext context, string? urls = null, TimeProvider? clock = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.UseUrls(urls ?? context.Options.Api.Urls);
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(context.LoggerFactory);
        builder.Services.AddSingleton(context);
        builder.Services.AddSingleton(clock ?? TimeProvider.System);
        builder.Services.AddSingleton(_ => ApiDatabase.Create(context.RequireDatabase()));
        builder.Services.AddSingleton(sp => new Readiness(sp.GetRequiredService<NpgsqlDataSource>(), context.Kafka));
        builder.Services.AddSingleton<InstrumentDirectory>();
        builder.Services.AddSingleton(_ => new RecentCandles.RecentCandleStore(context.Options.Api.CandleStoreDepth));
        builder.Services.AddHostedService(sp => new RecentCandles.RecentCandleFeed(
            sp.GetRequiredService<RecentCandles.RecentCandleStore>(),
            sp.GetRequiredService<NpgsqlDataSource>(),
            context.Kafka,
            context.Options.Sink.ConsumerName,
            sp.GetRequiredService<ILogger<RecentCandles.RecentCandleFeed>>()
        ));
        builder.Services.AddSingleton<CandleReader>();
        builder.Services.AddSingleton<RecentCandles.CandleCachePolicy>();
        builder.Services.AddSingleton<TradeReader>();
        builder.Services.AddSingleton<IndicatorReader>();
        builder.Services.AddSingleton<CoverageReader>();
        builder.Services.AddSingleton<VersionResolver>();
        builder.Services.AddSingleton(sp => new Pipeline.Plumbing.Database.DataVersionStore(sp.GetRequiredService<NpgsqlDataSource>()));
        builder.Services.AddSingleton(_ => new ReplayRequestPublisher(context.Kafka));
        builder.Services.AddSingleton(context.Kafka);
        builder.Services.AddSingleton<CandleFeed>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<CandleFeed>());
        builder.Services.AddSingleton<Backfills.BackfillDirectory>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<Backfills.BackfillDirectory>());
        builder.Services.AddProblemDetails();
        // Answers are snake_case; the generated OpenAPI document follows the same naming.
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            o.SerializerOptions.NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict; // numbers are numbers
        });
        builder.Services.AddOpenApi(ApiDocuments.Configure);
        // /metrics: every Pipeline.* meter of this process (all roles under `pipeline up`), HTTP server and runtime meters.
        builder.Services.AddOpenTelemetry().WithMetrics(m => m.AddMeter(PipelineMeters.Exported).AddPrometheusExporter());
        var api = context.Options.Api;
        var gate = new ApiKeyGate(api.ApiKeys);
        if (api.CorsOrigins.Count > 0)
            builder.Services.AddCors(o =>
                o.AddDefaultPolicy(p =>
                    p.WithOrigins([.. api.CorsOrigins])
                        .WithMethods("GET", "POST", "PUT", "DELETE")
                        .WithHeaders("Content-Type", ApiKeyGate.Header, "Last-Event-ID")
                )
            );
        builder.Services.AddRateLimiter(o => ClientRateLimit.Configure(o, api, gate));
        builder.Services.AddSingleton(new StreamAdmission(api, gate));
        // History answers are cached for a second per full URL: a popular chart query costs one database round
        // trip per second however many clients ask. Live data comes from the stream, which is never cached.
        // Paths are keyed case-sensitively: /1m and /1M (not an interval) must never share an answer.
        builder.Services.AddOutputCache(o =>
        {
            o.UseCaseSensitivePaths = true;
            o.AddPolicy(HistoryCachePolicy, b => b.Expire(TimeSpan.FromSeconds(1)));
            o.AddPolicy(CandleCachePolicy, b => b.Expire(TimeSpan.FromSeconds(1)).AddPolicy<RecentCandles.CandleCachePolicy>());
        });

        var app = builder.Build();
        app.UseExceptionHandler(
            new ExceptionHandlerOptions
            {
                // Anything unexpected: a problem+json 500 without internals; the details go to the log.
                StatusCodeSelector = e => e is BadHttpRequestException b ? b.StatusCode : StatusCodes.Status500InternalServerError,
            }
        );
        app.UseStatusCodePages();
        app.Use(
            async (http, next) =>
            {
                try
                {
                    await next(http);
                }
                catch (ApiProblem p) when (!http.Response.HasStarted)
                {
                    http.Response.Clear();
                    http.Response.StatusCode = p.Status;
                    await p.ToResult().ExecuteAsync(http);
                }
                catch (Exception e)
                    when (e is NpgsqlException or TimeoutException
                        && !http.RequestAborted.IsCancellationRequested
                        && !http.Response.HasStarted
                    )
                {
                    // The database is down or overloaded: say so (503, retry later) rather than a bare 500.
                    http.RequestServices.GetRequiredService<ILoggerFactory>()
                        .CreateLogger("Pipeline.Api")
                        .LogWarning("Database unavailable for {Path}: {Message}", http.Request.Path, e.Message);
                    http.Response.Clear();
                    http.Response.Headers.RetryAfter = "5";
                    await new ApiProblem(
                        StatusCodes.Status503ServiceUnavailable,
                        "database unavailable",
                        "the history database cannot be reached right now; retry in a few seconds (GET /ready shows the state)"
                    )
                        .ToResult()
                        .ExecuteAsync(http);
                }
            }
        );

        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(15) });
        app.Use(RequestText.RejectControlCharactersInQuery);
        app.UseRouting();
        app.Use(RequestText.RejectControlCharactersInRoute);
        if (api.CorsOrigins.Count > 0)
            app.UseCors();
        app.UseRateLimiter();
        app.UseOutputCache();
        app.Use(gate.InvokeAsync);

        app.MapGet("/health", () => TypedResults.Json(new HealthAnswer("ok"))).WithTags("status").WithSummary("The process answers");
        // Prometheus text from OpenTelemetry's exporter: not part of the JSON API's OpenAPI document.
        app.MapPrometheusScrapingEndpoint("/metrics").ExcludeFromDescription();
        app.MapGet(
                "/ready",
                async (Readiness readiness, CancellationToken ct) =>
                {
                    var r = await readiness.CheckAsync(ct);
                    var body = new ReadinessAnswer(
                        r.Ready,
                        r.Database ? "ok" : r.DatabaseError ?? "unknown",
                        r.Kafka ? "ok" : r.KafkaError ?? "unknown",
                        r.Roles.Count == 0 ? "ok" : string.Join("; ", r.Roles)
                    );
                    return Results.Json(body, statusCode: r.Ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
                }
            )
            .WithTags("status")
            .WithSummary("Whether the database and Kafka are reachable")
            .Produces<ReadinessAnswer>(200)
            .Produces<ReadinessAnswer>(503);
        HistoryEndpoints.Map(app);
        CandleStreamEndpoint.Map(app, api.StreamEventsPerSecond);
        LiveSocketEndpoint.Map(app, api);
        TwapEndpoints.Map(app);
        Backfills.BackfillEndpoints.Map(app);
        VersionEndpoints.Map(app);
        ApiDocuments.Map(app);
        DashboardPage.Map(app);
        return app;
    }
}
