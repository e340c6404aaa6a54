// The history routes: instruments, candles, indicators, trades and coverage, each validated into one reader call.
using System.ComponentModel;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Pipeline.Api.Answers;
using Pipeline.Api.Queries;
using Pipeline.Schemas;
using Pipeline.Schemas.V1;

namespace Pipeline.Api;

public static class HistoryEndpoints
{
    private const string IntervalText =
        "Candle interval: 1m, 3m, 5m, 15m, 30m, 1h, 2h, 4h, 6h, 8h, 12h, 1d, 3d (from the epoch), 1w (Monday 00:00 UTC).";

    public static void Map(IEndpointRouteBuilder app)
    {
        var history = app.MapGroup("")
            .WithTags("history")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        history
            .MapGet("/instruments", ListInstrumentsAsync)
            .WithSummary("Every registered instrument and the span of its 1m candles")
            .Produces<InstrumentList>()
            .CacheOutput(ApiApp.HistoryCachePolicy);
        history
            .MapGet("/candles/{exchange}/{base}/{quote}/{market}/{interval}", GetCandlesAsync)
            .WithSummary("Candles of one instrument and interval, paged by cursor")
            .Produces<CandlePage>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .CacheOutput(ApiApp.CandleCachePolicy);
        history
            .MapGet("/indicators/{exchange}/{base}/{quote}/{market}/{interval}", GetIndicatorsAsync)
            .WithSummary("Stored indicator values of one instrument and interval")
            .Produces<IndicatorPage>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .CacheOutput(ApiApp.HistoryCachePolicy);
        history
            .MapGet("/trades/{exchange}/{base}/{quote}/{market}", GetTradesAsync)
            .WithSummary("Stored trades of one instrument, paged by cursor")
            .Produces<TradePage>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .CacheOutput(ApiApp.HistoryCachePolicy);
        history
            .MapGet("/coverage/{exchange}/{base}/{quote}/{market}/{interval}", GetCoverageAsync)
            .WithSummary("First, last, count and gaps of an instrument's candles")
            .Produces<CoverageAnswer>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .CacheOutput(ApiApp.HistoryCachePolicy);
    }

    private static async Task ListInstrumentsAsync(HttpContext http, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand(
            """
            SELECT i.exchange, i.base, i.quote, i.market, i.venue_symbol, i.intervals, span.first, span.last
            FROM instruments i
            LEFT JOIN LATERAL (SELECT min(time) AS first, max(time) AS last FROM candles c
                               WHERE c.version = (SELECT version FROM current_data_version)
                                 AND c.instrument_id = i.id AND c.interval = '1m' AND c.source = 1) span ON true
            ORDER BY i.exchange, i.base, i.quote, i.market
            """
        );
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
            if (r.IsDBNull(4))
                w.WriteNull("symbol");
            else
                w.WriteString("symbol", r.GetString(4));
            w.WriteStartArray("intervals");
            foreach (var i in r.GetFieldValue<string[]>(5))
                w.WriteStringValue(i);
            w.WriteEndArray();
            if (r.IsDBNull(6))
                w.WriteNull("first");
            else
                w.WriteString("first", ApiTime.Format(r.GetDateTime(6)));
            if (r.IsDBNull(7))
                w.WriteNull("last");
            else
                w.WriteString("last", ApiTime.Format(r.GetDateTime(7)));
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

    private static async Task GetCandlesAsync(
        HttpContext http,
        [AsParameters] InstrumentPath path,
        [Description(IntervalText)] string interval,
        [AsParameters] CandleQuery query,
        InstrumentDirectory instruments,
        CandleReader candles,
        VersionResolver versions,
        RecentCandles.RecentCandleStore store,
        TimeProvider clock,
        CancellationToken ct
    )
    {
        // CandleCachePolicy already read it (from the recent-candle store, or found it must go to PostgreSQL).
        if (http.Features.Get<CandleRead>() is { } read)
        {
            await candles.WriteAsync(http.Response, read, ct);
            return;
        }
        var request = CandleRequest.Parse(path, interval, query, clock);
        var (id, r) = await instruments.ResolveAsync(path.Exchange, path.Base, path.Quote, path.Market, ct);
        // The recent-candle store watches the current version, which spares the database round trip per request.
        var version =
            request.Version is null && store.LiveIsCurrent ? DataVersion.Live.Name : await versions.ResolveAsync(request.Version, ct);
        await candles.WriteAsync(http.Response, new CandleRead(request, id, r, version, store.TryRead(r.Key, request, version)), ct);
    }

    private static async Task GetIndicatorsAsync(
        HttpContext http,
        [AsParameters] InstrumentPath path,
        [Description(IntervalText)] string interval,
        [AsParameters] IndicatorQuery query,
        InstrumentDirectory instruments,
        IndicatorReader indicators,
        VersionResolver versions,
        TimeProvider clock,
        CancellationToken ct
    )
    {
        var iv = ParseInterval(interval);
        var indicator = query.Indicator is { Length: > 0 } i ? i : null;
        if (indicator is { Length: > 100 })
            throw ApiProblem.BadParameter("indicator", "indicator names are at most 100 characters, e.g. rsi(14)");
        var range = query.Range(iv, EndOfCurrent(iv, clock));
        var cursor = ApiCursor.Read(query.Cursor, IndicatorReader.CursorKind);
        var (id, r) = await instruments.ResolveAsync(path.Exchange, path.Base, path.Quote, path.Market, ct);
        var version = await versions.ResolveAsync(query.Version, ct);
        await indicators.WriteAsync(http.Response, id, r, iv, indicator, range, cursor, version, ct);
    }

    private static async Task GetTradesAsync(
        HttpContext http,
        [AsParameters] InstrumentPath path,
        [AsParameters] TradeQuery query,
        InstrumentDirectory instruments,
        TradeReader trades,
        TimeProvider clock,
        CancellationToken ct
    )
    {
        const long second = 1_000_000,
            hour = 3600 * second,
            day = 24 * hour;
        var now = Now(clock);
        var range = query.Range(now - now % second + second, hour, 31 * day);
        var cursor = ApiCursor.Read(query.Cursor, TradeReader.CursorKind);
        var (id, r) = await instruments.ResolveAsync(path.Exchange, path.Base, path.Quote, path.Market, ct);
        await trades.WriteAsync(http.Response, id, r, range, cursor, ct);
    }

    private static async Task GetCoverageAsync(
        HttpContext http,
        [AsParameters] InstrumentPath path,
        [Description(IntervalText)] string interval,
        [AsParameters] CoverageQuery query,
        InstrumentDirectory instruments,
        CoverageReader coverage,
        VersionResolver versions,
        TimeProvider clock,
        CancellationToken ct
    )
    {
        var iv = ParseInterval(interval);
        // The whole history unless narrowed: coverage is one aggregate, not a page.
        var range = query.Range(EndOfCurrent(iv, clock));
        var (id, r) = await instruments.ResolveAsync(path.Exchange, path.Base, path.Quote, path.Market, ct);
        var version = await versions.ResolveAsync(query.Version, ct);
        await coverage.WriteAsync(http.Response, id, r, iv, ParseSource(query.Source), range.StartUs, range.EndUs, version, ct);
    }

    /// <summary>The end of the interval that contains now, aligned by the interval's own rule (weeks on Mondays).</summary>
    internal static long EndOfCurrent(CandleInterval interval, TimeProvider clock) => interval.OpenTimeOf(Now(clock)) + interval.DurationUs;

    internal static CandleInterval ParseInterval(string interval) =>
        CandleInterval.TryParse(interval, out var iv)
            ? iv
            : throw ApiProblem.BadParameter("interval", $"interval '{interval}' is not one of {string.Join(", ", CandleInterval.Names)}");

    internal static short ParseSource(string? text) =>
        text switch
        {
            null or "" or "aggregated" => (short)CandleSource.Aggregated,
            "exchange" => (short)CandleSource.Exchange,
            var s => throw ApiProblem.BadParameter("source", $"source '{s}' is not one of aggregated, exchange"),
        };

    private static long Now(TimeProvider clock) => ApiTime.ToMicroseconds(clock.GetUtcNow().UtcDateTime);

    internal static bool ParseBool(string? text, string name) =>
        text switch
        {
            null or "" or "false" or "0" => false,
            "true" or "1" => true,
            var s => throw ApiProblem.BadParameter(name, $"{name} '{s}' must be true or false"),
        };
}
