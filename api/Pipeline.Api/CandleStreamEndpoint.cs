// GET /stream/candles: Server-Sent Events of candle updates and closes for the chosen instruments and intervals.
using System.Text;
using System.Text.Json;
using Pipeline.Api.Queries;
using Pipeline.Schemas;
using Pipeline.Schemas.V1;

namespace Pipeline.Api;

public static class CandleStreamEndpoint
{
    public static RouteHandlerBuilder Map(IEndpointRouteBuilder app, int eventsPerSecond) =>
        app.MapGet(
                "/stream/candles",
                (
                    [AsParameters] StreamQuery query,
                    HttpContext http,
                    CandleFeed feed,
                    InstrumentDirectory directory,
                    StreamAdmission admission,
                    IHostApplicationLifetime lifetime,
                    CancellationToken aborted
                ) => StreamAsync(query, http, feed, directory, admission, lifetime.ApplicationStopping, eventsPerSecond, aborted)
            )
            .WithTags("live")
            .WithSummary("Server-Sent Events of candle updates (event: update) and closes (event: close)")
            .WithDescription(
                "Starts with a ': connected' comment and an 'event: ready' once the feed reads the candles topic; "
                    + "data is one candle as JSON (the /candles fields plus instrument and interval). At most "
                    + "Api:StreamEventsPerSecond events "
                    + "per second per client (0: no throttle) (the latest state of each candle wins); ends with 'event: closing' "
                    + "when the server stops."
            )
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);

    private static async Task StreamAsync(
        StreamQuery query,
        HttpContext http,
        CandleFeed feed,
        InstrumentDirectory directory,
        StreamAdmission admission,
        CancellationToken stopping,
        int eventsPerSecond,
        CancellationToken aborted
    )
    {
        // The stream ends when the client goes away or the host stops: a connected client must not hold up shutdown.
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(aborted, stopping);
        var ct = linked.Token;
        var keys = new HashSet<string>(StringComparer.Ordinal);
        var instrumentsText = query.Instruments ?? "";
        if (instrumentsText.Length == 0)
            throw ApiProblem.BadParameter(
                "instruments",
                "give one or more instrument keys, e.g. instruments=binance:BTC/USDT:spot,sim:ETH/USD:spot"
            );
        foreach (var text in instrumentsText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            keys.Add(await LiveInstruments.ResolveAsync(directory, text, "instruments", ct));
        var intervals = new HashSet<string>(StringComparer.Ordinal);
        foreach (
            var i in (query.Intervals is { Length: > 0 } t ? t : "1m").Split(
                ',',
                StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries
            )
        )
            intervals.Add(
                CandleInterval.TryParse(i, out var iv)
                    ? iv.Name
                    : throw ApiProblem.BadParameter("intervals", $"interval '{i}' is not one of {string.Join(", ", CandleInterval.Names)}")
            );

        using var place = admission.Admit(http);
        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        http.Response.Headers["X-Accel-Buffering"] = "no";
        var subscription = new CandleSubscription(keys, intervals);
        feed.Add(subscription);
        try
        {
            await WriteAsync(http, ": connected\n\n", ct);
            await feed.Positioned.WaitAsync(ct);
            await WriteAsync(http, "event: ready\ndata: {}\n\n", ct);
            var gap = eventsPerSecond > 0 ? TimeSpan.FromSeconds(1.0 / eventsPerSecond) : TimeSpan.Zero;
            while (!ct.IsCancellationRequested)
            {
                var batch = await subscription.TakeAsync(TimeSpan.FromSeconds(15), ct);
                if (batch.Count == 0)
                {
                    await WriteAsync(http, ": keep-alive\n\n", ct);
                    continue;
                }
                var sb = new StringBuilder();
                foreach (var c in batch)
                    Append(sb, c);
                await WriteAsync(http, sb.ToString(), ct);
                // Throttle: a batch of n events buys n gaps of quiet; what arrives meanwhile is coalesced per candle.
                if (gap > TimeSpan.Zero)
                    await Task.Delay(gap * batch.Count, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { } // the client went away, or the host stops
        finally
        {
            feed.Remove(subscription);
        }
        if (stopping.IsCancellationRequested && !aborted.IsCancellationRequested)
        {
            // Tell the client why the stream ends, so it reconnects (to this or another instance) instead of guessing.
            try
            {
                await WriteAsync(http, "event: closing\ndata: {\"reason\":\"server stopping\"}\n\n", aborted);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException) { }
        }
    }

    private static void Append(StringBuilder sb, Candle c)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
            LiveJson.WriteCandle(w, c);
        sb.Append("event: ")
            .Append(c.Closed ? "close" : "update")
            .Append('\n')
            .Append("data: ")
            .Append(Encoding.UTF8.GetString(buffer.ToArray()))
            .Append("\n\n");
    }

    private static async Task WriteAsync(HttpContext http, string text, CancellationToken ct)
    {
        await http.Response.WriteAsync(text, ct);
        await http.Response.Body.FlushAsync(ct);
    }
}
