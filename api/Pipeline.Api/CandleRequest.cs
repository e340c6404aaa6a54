// One GET /candles request, validated: the instrument path, interval, range, cursor position, fill, source and the
// asked version (null: the current one). Parsed from the bound parameters by the route, and from the raw request by
// CandleCachePolicy, which runs before binding.
using Pipeline.Api.Queries;
using Pipeline.Schemas;

namespace Pipeline.Api;

public sealed record CandleRequest(
    InstrumentPath Path,
    CandleInterval Interval,
    HistoryRange Range,
    long? From,
    bool Fill,
    short Source,
    string? Version
)
{
    /// <summary>The request or a 400 problem naming the first bad parameter.</summary>
    public static CandleRequest Parse(InstrumentPath path, string interval, CandleQuery query, TimeProvider clock)
    {
        var iv = HistoryEndpoints.ParseInterval(interval);
        var fill = HistoryEndpoints.ParseBool(query.Fill, "fill");
        var source = HistoryEndpoints.ParseSource(query.Source);
        var range = query.Range(iv, HistoryEndpoints.EndOfCurrent(iv, clock));
        long? from = null;
        if (ApiCursor.Read(query.Cursor, CandleReader.CursorKind) is { } c)
        {
            // Without start, the range's start is only a default span: the cursor of a latest-rows page with fill may lie
            // before it (found by RecentCandleStoreTests: the API rejected its own next_cursor).
            var startGiven = !string.IsNullOrEmpty(query.Start);
            if (!long.TryParse(c, out var f) || (startGiven && f < range.StartUs) || f > range.EndUs || !iv.IsAligned(f))
                throw ApiCursor.Invalid();
            from = f;
        }
        return new CandleRequest(path, iv, range, from, fill, source, string.IsNullOrEmpty(query.Version) ? null : query.Version);
    }

    /// <summary>The same from the route values and query string, as the route's parameter binding reads them.</summary>
    public static CandleRequest Parse(HttpRequest request, TimeProvider clock)
    {
        var (route, q) = (request.RouteValues, request.Query);
        var path = new InstrumentPath
        {
            Exchange = RouteText(route, "exchange"),
            Base = RouteText(route, "base"),
            Quote = RouteText(route, "quote"),
            Market = RouteText(route, "market"),
        };
        var query = new CandleQuery
        {
            Start = q["start"],
            End = q["end"],
            Limit = q["limit"],
            Cursor = q["cursor"],
            Fill = q["fill"],
            Source = q["source"],
            Version = q["version"],
        };
        return Parse(path, RouteText(route, "interval"), query, clock);
    }

    private static string RouteText(RouteValueDictionary route, string name) =>
        route[name] as string ?? throw new InvalidOperationException($"route value {name} missing: not a /candles route");
}
