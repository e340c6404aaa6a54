// Builds the query API: health, readiness, instruments and history routes, problem+json for every bad request.
using System.Text.Json;
using Pipeline.Plumbing.Metrics;
using Microsoft.AspNetCore.Diagnostics;
using Npgsql;
using NpgsqlTypes;
using Pipeline.Plumbing;
using Pipeline.Schemas.V1;

namespace Pipeline.Api;

public static class ApiApp
{
    public const string HistoryCachePolicy = "history";

    /// <summary>A configured, not yet started app. <paramref name="urls"/> overrides Api:Urls (tests pass http://127.0.0.1:0).</summary>
    public static WebApplication Build(PipelineContext context, string? urls = null, TimeProvider? clock = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.UseUrls(urls ?? context.Options.Api.Urls);
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(context.LoggerFactory);
        builder.Services.AddSingleton(context);
        builder.Services.AddSingleton(clock ?? TimeProvider.System);
        builder.Services.AddSingleton(_ => NpgsqlDataSource.Create(context.RequireDatabase()));
        builder.Services.AddSingleton(sp => new Readiness(sp.GetRequiredService<NpgsqlDataSource>(), context.Kafka));
        builder.Services.AddSingleton<InstrumentDirectory>();
        builder.Services.AddSingleton<CandleReader>();
        builder.Services.AddSingleton<TradeReader>();
        builder.Services.AddSingleton<IndicatorReader>();
        builder.Services.AddSingleton<CoverageReader>();
        builder.Services.AddSingleton(context.Kafka);
        builder.Services.AddSingleton<CandleFeed>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<CandleFeed>());
        builder.Services.AddProblemDetails();
        var api = context.Options.Api;
        var gate = new ApiKeyGate(api.ApiKeys);
        if (api.CorsOrigins.Count > 0)
            builder.Services.AddCors(o => o.AddDefaultPolicy(p => p.WithOrigins([.. api.CorsOrigins])
                .WithMethods("GET", "POST", "PUT", "DELETE").WithHeaders("Content-Type", ApiKeyGate.Header, "Last-Event-ID")));
        builder.Services.AddRateLimiter(o => ClientRateLimit.Configure(o, api, gate));
        builder.Services.AddSingleton(new StreamAdmission(api, gate));
        // History answers are cached for a second per full URL: a popular chart query costs one database round
        // trip per second however many clients ask. Live data comes from the stream, which is never cached.
        // Paths are keyed case-sensitively: /1m and /1M (not an interval) must never share an answer.
        builder.Services.AddOutputCache(o =>
        {
            o.UseCaseSensitivePaths = true;
            o.AddPolicy(HistoryCachePolicy, b => b.Expire(TimeSpan.FromSeconds(1)));
        });

        var app = builder.Build();
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            // Anything unexpected: a problem+json 500 without internals; the details go to the log.
            StatusCodeSelector = e => e is BadHttpRequestException b ? b.StatusCode : StatusCodes.Status500InternalServerError,
        });
        app.UseStatusCodePages();
        app.Use(async (http, next) =>
        {
            try { await next(http); }
            catch (ApiProblem p) when (!http.Response.HasStarted)
            {
                http.Response.Clear();
                http.Response.StatusCode = p.Status;
                await p.ToResult().ExecuteAsync(http);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException && !http.RequestAborted.IsCancellationRequested && !http.Response.HasStarted)
            {
                // The database is down or overloaded: say so (503, retry later) rather than a bare 500.
                http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Pipeline.Api").LogWarning("Database unavailable for {Path}: {Message}", http.Request.Path, e.Message);
                http.Response.Clear();
                http.Response.Headers.RetryAfter = "5";
                await new ApiProblem(StatusCodes.Status503ServiceUnavailable, "database unavailable",
                    "the history database cannot be reached right now; retry in a few seconds (GET /ready shows the state)").ToResult().ExecuteAsync(http);
            }
        });

        app.Use(RequestText.RejectControlCharactersInQuery);
        app.UseRouting();
        app.Use(RequestText.RejectControlCharactersInRoute);
        if (api.CorsOrigins.Count > 0) app.UseCors();
        app.UseRateLimiter();
        app.UseOutputCache();
        app.Use(gate.InvokeAsync);

        app.MapGet("/health", () => Results.Json(new { status = "ok" }));
        app.MapGet("/metrics", () => Results.Text(PrometheusMetrics.Shared.Scrape(), "text/plain; version=0.0.4; charset=utf-8"));
        app.MapGet("/ready", async (Readiness readiness, CancellationToken ct) =>
        {
            var r = await readiness.CheckAsync(ct);
            var body = new { ready = r.Ready, database = r.Database ? "ok" : r.DatabaseError, kafka = r.Kafka ? "ok" : r.KafkaError };
            return Results.Json(body, statusCode: r.Ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        });
        app.MapGet("/instruments", ListInstrumentsAsync).CacheOutput(HistoryCachePolicy);
        app.MapGet("/candles/{exchange}/{base}/{quote}/{market}/{interval}", GetCandlesAsync).CacheOutput(HistoryCachePolicy);
        app.MapGet("/indicators/{exchange}/{base}/{quote}/{market}/{interval}", GetIndicatorsAsync).CacheOutput(HistoryCachePolicy);
        app.MapGet("/trades/{exchange}/{base}/{quote}/{market}", GetTradesAsync).CacheOutput(HistoryCachePolicy);
        app.MapGet("/coverage/{exchange}/{base}/{quote}/{market}/{interval}", GetCoverageAsync).CacheOutput(HistoryCachePolicy);
        CandleStreamEndpoint.Map(app, api.StreamEventsPerSecond);
        TwapEndpoints.Map(app);
        OpenApiDocument.Map(app);
        DashboardPage.Map(app);
        return app;
    }

    private static async Task ListInstrumentsAsync(HttpContext http, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand(
            """
            SELECT i.exchange, i.base, i.quote, i.market, i.venue_symbol, i.intervals, span.first, span.last
            FROM instruments i
            LEFT JOIN LATERAL (SELECT min(time) AS first, max(time) AS last FROM candles c
                               WHERE c.instrument_id = i.id AND c.interval = '1m' AND c.source = 1) span ON true
            ORDER BY i.exchange, i.base, i.quote, i.market
            """);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        http.Response.ContentType = "application/json; charset=utf-8";
        await using var w = new Utf8JsonWriter(http.Response.BodyWriter);
        w.WriteStartObject();
        w.WriteStartArray("data");
        var count = 0;
        while (await r.ReadAsync(ct))
        {
            count++;
            w.WriteStartObject();
            w.WriteString("exchange", r.GetString(0));
            w.WriteString("base", r.GetString(1));
            w.WriteString("quote", r.GetString(2));
            w.WriteString("market", r.GetString(3));
            if (r.IsDBNull(4)) w.WriteNull("symbol"); else w.WriteString("symbol", r.GetString(4));
            w.WriteStartArray("intervals");
            foreach (var i in r.GetFieldValue<string[]>(5)) w.WriteStringValue(i);
            w.WriteEndArray();
            if (r.IsDBNull(6)) w.WriteNull("first"); else w.WriteString("first", ApiTime.Format(r.GetDateTime(6)));
            if (r.IsDBNull(7)) w.WriteNull("last"); else w.WriteString("last", ApiTime.Format(r.GetDateTime(7)));
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartObject("metadata");
        w.WriteNumber("count", count);
        w.WriteEndObject();
        w.WriteEndObject();
        await w.FlushAsync(ct);
        // Utf8JsonWriter only advances the PipeWriter; flush it so wrapped bodies (output cache) see the bytes.
        await http.Response.BodyWriter.FlushAsync(ct);
    }

    private static async Task GetCandlesAsync(HttpContext http, string exchange, string @base, string quote, string market, string interval,
        InstrumentDirectory instruments, CandleReader candles, TimeProvider clock, CancellationToken ct)
    {
        var iv = ParseInterval(interval);
        var query = http.Request.Query;
        var fill = ParseBool(query, "fill");
        var source = ParseSource(query);
        var range = HistoryRange.Parse(query, iv.Microseconds, DefaultLimit(query) * iv.Microseconds, HistoryRange.MaxIntervals * iv.Microseconds, Now(clock));
        long? from = null;
        if (ApiCursor.Read(query, CandleReader.CursorKind) is { } c)
        {
            if (!long.TryParse(c, out var f) || f < range.StartUs || f > range.EndUs || !iv.IsBoundary(f)) throw ApiCursor.Invalid();
            from = f;
        }
        var (id, r) = await instruments.ResolveAsync(exchange, @base, quote, market, ct);
        await candles.WriteAsync(http.Response, id, r, iv, range, from, fill, source, ct);
    }

    private static async Task GetIndicatorsAsync(HttpContext http, string exchange, string @base, string quote, string market, string interval,
        InstrumentDirectory instruments, IndicatorReader indicators, TimeProvider clock, CancellationToken ct)
    {
        var iv = ParseInterval(interval);
        var query = http.Request.Query;
        var indicator = query["indicator"].ToString() is { Length: > 0 } i ? i : null;
        if (indicator is { Length: > 100 }) throw ApiProblem.BadParameter("indicator", "indicator names are at most 100 characters, e.g. rsi(14)");
        var range = HistoryRange.Parse(query, iv.Microseconds, DefaultLimit(query) * iv.Microseconds, HistoryRange.MaxIntervals * iv.Microseconds, Now(clock));
        var cursor = ApiCursor.Read(query, IndicatorReader.CursorKind);
        var (id, r) = await instruments.ResolveAsync(exchange, @base, quote, market, ct);
        await indicators.WriteAsync(http.Response, id, r, iv, indicator, range, cursor, ct);
    }

    private static async Task GetTradesAsync(HttpContext http, string exchange, string @base, string quote, string market,
        InstrumentDirectory instruments, TradeReader trades, TimeProvider clock, CancellationToken ct)
    {
        var query = http.Request.Query;
        const long second = 1_000_000, hour = 3600 * second, day = 24 * hour;
        var range = HistoryRange.Parse(query, second, hour, 31 * day, Now(clock));
        var cursor = ApiCursor.Read(query, TradeReader.CursorKind);
        var (id, r) = await instruments.ResolveAsync(exchange, @base, quote, market, ct);
        await trades.WriteAsync(http.Response, id, r, range, cursor, ct);
    }

    private static async Task GetCoverageAsync(HttpContext http, string exchange, string @base, string quote, string market, string interval,
        InstrumentDirectory instruments, CoverageReader coverage, TimeProvider clock, CancellationToken ct)
    {
        var iv = ParseInterval(interval);
        var query = http.Request.Query;
        // The whole history unless narrowed: coverage is one aggregate, not a page.
        var range = HistoryRange.Parse(query, iv.Microseconds, long.MaxValue / 2, long.MaxValue / 2, Now(clock));
        var (id, r) = await instruments.ResolveAsync(exchange, @base, quote, market, ct);
        await coverage.WriteAsync(http.Response, id, r, iv, ParseSource(query), range.StartUs, range.EndUs, ct);
    }

    private static CandleInterval ParseInterval(string interval) => CandleInterval.TryParse(interval, out var iv)
        ? iv
        : throw ApiProblem.BadParameter("interval", $"interval '{interval}' is not one of {string.Join(", ", CandleInterval.Names)}");

    private static short ParseSource(IQueryCollection query) => query["source"].ToString() switch
    {
        "" or "aggregated" => (short)CandleSource.Aggregated,
        "exchange" => (short)CandleSource.Exchange,
        var s => throw ApiProblem.BadParameter("source", $"source '{s}' is not one of aggregated, exchange"),
    };

    private static int DefaultLimit(IQueryCollection query) =>
        query["limit"].ToString() is { Length: > 0 } l && int.TryParse(l, out var n) && n is >= 1 and <= HistoryRange.MaxLimit ? n : HistoryRange.DefaultLimit;

    private static long Now(TimeProvider clock) => ApiTime.ToMicroseconds(clock.GetUtcNow().UtcDateTime);

    private static bool ParseBool(IQueryCollection query, string name) => query[name].ToString() switch
    {
        "" or "false" or "0" => false,
        "true" or "1" => true,
        var s => throw ApiProblem.BadParameter(name, $"{name} '{s}' must be true or false"),
    };
}
