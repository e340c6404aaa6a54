// OKX v5 REST: /api/v5/market/history-trades paged back by trade id, /api/v5/market/history-candles in windows.
using System.Runtime.CompilerServices;
using System.Text.Json;
using Pipeline.Plumbing.Errors;
using Pipeline.Schemas;
using Pipeline.Schemas.V1;

namespace Pipeline.Producers.Venues.Okx;

public sealed class OkxHistory(VenueHttp http, Uri restBase) : IVenueHistory
{
    private const int Page = 100;

    public string Exchange => "okx";
    public bool HasTradeHistory => true;

    public async IAsyncEnumerable<Trade> TradesAsync(VenueListing listing, TradeGap gap, [EnumeratorCancellation] CancellationToken ct)
    {
        // Pages come newest first: type=1&after=N returns trades with ids below N. Walk back from the gap's end to its
        // start, then hand the trades out oldest first so the topic keeps venue order.
        var found = new List<Trade>();
        var cursor = gap.BeforeId;
        while (cursor > gap.AfterId + 1)
        {
            using var doc = await http.GetAsync(
                VenueHttp.Build(
                    restBase,
                    "/api/v5/market/history-trades",
                    ("instId", listing.Symbol),
                    ("type", 1),
                    ("after", cursor),
                    ("limit", Page)
                ),
                ct
            );
            var rows = Data(doc.RootElement);
            var receiveUs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;
            var lowest = cursor;
            foreach (var r in rows.EnumerateArray())
            {
                var trade = OkxProtocol.ToTrade(r, listing, receiveUs, Origin.Backfill);
                lowest = Math.Min(lowest, trade.TradeId);
                if (trade.TradeId > gap.AfterId && trade.TradeId < gap.BeforeId)
                    found.Add(trade);
            }
            // An empty or stuck page means the venue has nothing older: stop rather than spin.
            if (lowest >= cursor)
                break;
            cursor = lowest;
        }
        foreach (var trade in found.OrderBy(t => t.TradeId))
            yield return trade;
    }

    /// <summary>Trades by time, in windows of an hour: the newest trades before the window's end by timestamp
    /// (type=2), then back by trade id (type=1) until the window's start, handed out oldest first.</summary>
    public async IAsyncEnumerable<IReadOnlyList<Trade>> TradePagesAsync(
        VenueListing listing,
        long fromUs,
        long toUs,
        [EnumeratorCancellation] CancellationToken ct
    )
    {
        const long hourUs = 3_600_000_000;
        for (var start = fromUs; start < toUs; start += hourUs)
        {
            var end = Math.Min(toUs, start + hourUs);
            var found = new List<Trade>();
            // after= is exclusive: trades before the first millisecond at or after the window's end.
            (string Type, long After) cursor = ("2", (end + 999) / 1000);
            while (true)
            {
                using var doc = await http.GetAsync(
                    VenueHttp.Build(
                        restBase,
                        "/api/v5/market/history-trades",
                        ("instId", listing.Symbol),
                        ("type", cursor.Type),
                        ("after", cursor.After),
                        ("limit", Page)
                    ),
                    ct
                );
                var rows = Data(doc.RootElement);
                var receiveUs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;
                long lowest = long.MaxValue;
                var older = false;
                foreach (var r in rows.EnumerateArray())
                {
                    var trade = OkxProtocol.ToTrade(r, listing, receiveUs, Origin.Backfill);
                    lowest = Math.Min(lowest, trade.TradeId);
                    if (trade.EventTimeUs < start)
                        older = true;
                    else if (trade.EventTimeUs < end)
                        found.Add(trade);
                }
                if (older || lowest == long.MaxValue || (cursor.Type == "1" && lowest >= cursor.After))
                    break;
                cursor = ("1", lowest);
            }
            yield return found.OrderBy(t => t.TradeId).ToList();
        }
    }

    public async IAsyncEnumerable<IReadOnlyList<Candle>> CandlePagesAsync(
        VenueListing listing,
        string interval,
        long fromUs,
        long toUs,
        [EnumeratorCancellation] CancellationToken ct
    )
    {
        if (!OkxInstruments.Bars.TryGetValue(interval, out var bar))
            throw new InvalidRequestException(
                $"OKX has no {interval} candles aligned like ours; it serves {string.Join(", ", OkxInstruments.Bars.Keys)}"
            );
        foreach (var (start, end) in CandleWindows.Of(CandleInterval.Parse(interval), fromUs, toUs, Page))
        {
            // after = open times below it, before = open times above it (both exclusive), newest first.
            using var doc = await http.GetAsync(
                VenueHttp.Build(
                    restBase,
                    "/api/v5/market/history-candles",
                    ("instId", listing.Symbol),
                    ("bar", bar),
                    ("after", end / 1000),
                    ("before", start / 1000 - 1),
                    ("limit", Page)
                ),
                ct
            );
            var rows = Data(doc.RootElement);
            var page = new List<Candle>();
            foreach (var row in rows.EnumerateArray().Reverse())
            {
                // Only confirmed (closed) candles are history.
                if (row[8].GetString() != "1")
                    continue;
                var candle = OkxProtocol.ToCandle(row, listing, interval, Origin.Backfill);
                if (candle.OpenTimeUs < fromUs || candle.OpenTimeUs >= toUs)
                    continue;
                page.Add(candle);
            }
            yield return page;
        }
    }

    private static JsonElement Data(JsonElement root)
    {
        if (root.TryGetProperty("code", out var code) && code.GetString() != "0")
            throw new VenueRequestException(
                $"okx REST error {code.GetString()}: {(root.TryGetProperty("msg", out var m) ? m.GetString() : "")}",
                400
            );
        var data = root.Get("data");
        return data.ValueKind == JsonValueKind.Array ? data : throw new FormatException("data is not an array");
    }
}
