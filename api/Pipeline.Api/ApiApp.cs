// Builds the query API: health, readiness, instruments and history routes, problem+json for every bad request.
using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Npgsql;
using NpgsqlTypes;
using Pipeline.Plumbing;
using Pipeline.Schemas.V1;

namespace Pipeline.Api;

public static class ApiApp
{
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
        builder.Services.AddProblemDetails();

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
        });

        app.MapGet("/health", () => Results.Json(new { status = "ok" }));
        app.MapGet("/ready", async (Readiness readiness, CancellationToken ct) =>
        {
            var r = await readiness.CheckAsync(ct);
            var body = new { ready = r.Ready, database = r.Database ? "ok" : r.DatabaseError, kafka = r.Kafka ? "ok" : r.KafkaError };
            return Results.Json(body, statusCode: r.Ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        });
        app.MapGet("/instruments", ListInstrumentsAsync);
        app.MapGet("/candles/{exchange}/{base}/{quote}/{market}/{interval}", GetCandlesAsync);
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
    }

    private static async Task GetCandlesAsync(HttpContext http, string exchange, string @base, string quote, string market, string interval,
        InstrumentDirectory instruments, CandleReader candles, TimeProvider clock, CancellationToken ct)
    {
        if (!CandleInterval.TryParse(interval, out var iv))
            throw ApiProblem.BadParameter("interval", $"interval '{interval}' is not one of {string.Join(", ", CandleInterval.Names)}");
        var query = http.Request.Query;
        var fill = ParseBool(query, "fill");
        var source = query["source"].ToString() switch
        {
            "" or "aggregated" => (short)CandleSource.Aggregated,
            "exchange" => (short)CandleSource.Exchange,
            var s => throw ApiProblem.BadParameter("source", $"source '{s}' is not one of aggregated, exchange"),
        };
        var range = HistoryRange.Parse(query, iv.Microseconds, CandleReader.CursorKind, ApiTime.ToMicroseconds(clock.GetUtcNow().UtcDateTime));
        var (id, r) = await instruments.ResolveAsync(exchange, @base, quote, market, ct);
        await candles.WriteAsync(http.Response, id, r, iv, range, fill, source, ct);
    }

    private static bool ParseBool(IQueryCollection query, string name) => query[name].ToString() switch
    {
        "" or "false" or "0" => false,
        "true" or "1" => true,
        var s => throw ApiProblem.BadParameter(name, $"{name} '{s}' must be true or false"),
    };
}
