// Bybit v5 REST: /v5/market/recent-trade (only the most recent trades: 60 on spot, 1000 on perps) and /v5/market/kline.
using System.Runtime.CompilerServices;
using System.Text.Json;
using Pipeline.Plumbing.Errors;
using Pipeline.Schemas;
using Pipeline.Schemas.V1;

namespace Pipeline.Producers.Venues.Bybit;

public sealed class BybitHistory(VenueHttp http, Uri restBase) : IVenueHistory
{
    private const int KlinePage = 1000;

    public string Exchange => "bybit";
    public bool HasTradeHistory => true;

    /// <summary>Trades of the gap from the venue's recent trades, oldest first. Bybit has no older public trade history:
    /// when the oldest recent trade is newer than the gap's start, what it had is delivered and a
    /// <see cref="TradeHistoryLimitException"/> reports the rest.</summary>
    public async IAsyncEnumerable<Trade> TradesAsync(VenueListing listing, TradeGap gap, [EnumeratorCancellation] CancellationToken ct)
    {
        var category = BybitCategory.Of(listing.Instrument);
        var limit = category == "spot" ? 60 : 1000;
        List<Trade> found;
        long oldestUs;
        using (
            var doc = await http.GetAsync(
                VenueHttp.Build(restBase, "/v5/market/recent-trade", ("category", category), ("symbol", listing.Symbol), ("limit", limit)),
                ct
            )
        )
        {
            var rows = Result(doc.RootElement);
            var receiveUs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;
            found = new List<Trade>();
            oldestUs = long.MaxValue;
            foreach (var r in rows.EnumerateArray())
            {
                var trade = new Trade
                {
                    Instrument = listing.Instrument,
                    TradeId = BybitProtocol.TradeId(r.Str("execId")),
                    Price = JsonFields.Wire(r.Get("price").Positive("price")),
                    Size = JsonFields.Wire(r.Get("size").Positive("size")),
                    Aggressor = BybitProtocol.Side(r.Str("side")),
                    EventTimeUs = r.Long("time") * 1000,
                    ReceiveTimeUs = receiveUs,
                    Origin = Origin.Backfill,
                    VenueSymbol = r.Str("symbol"),
                };
                oldestUs = Math.Min(oldestUs, trade.EventTimeUs);
                // Ids are not ordered (UUIDs on perps): the gap is the time between the last trade delivered and the one
                // that revealed it, without those two. A trade in the same millisecond as either end that was already
                // delivered live can repeat here; the processor drops it by id.
                if (
                    trade.EventTimeUs >= gap.AfterTimeUs
                    && trade.EventTimeUs <= gap.BeforeTimeUs
                    && trade.TradeId != gap.AfterId
                    && trade.TradeId != gap.BeforeId
                )
                    found.Add(trade);
            }
        }
        // Newest first from the venue; the topic gets them oldest first (stable for equal times).
        foreach (var trade in found.OrderBy(t => t.EventTimeUs))
            yield return trade;
        if (oldestUs > gap.AfterTimeUs)
            throw new TradeHistoryLimitException(
                $"bybit serves only its {limit} most recent {listing.Symbol} trades, reaching back to {Iso(oldestUs)}; "
                    + $"trades after {Iso(gap.AfterTimeUs)} and before that are not available"
            );
    }

    /// <summary>Trades by time from the same recent trades: only a range the venue still holds can be filled; for an older
    /// start, what it has is delivered and a <see cref="TradeHistoryLimitException"/> reports the rest.</summary>
    public async IAsyncEnumerable<IReadOnlyList<Trade>> TradePagesAsync(
        VenueListing listing,
        long fromUs,
        long toUs,
        [EnumeratorCancellation] CancellationToken ct
    )
    {
        // A gap whose ends are outside every real id covers the whole range, both ends included.
        var gap = new TradeGap(long.MinValue, fromUs, long.MinValue, toUs - 1, TradeGapCause.Disconnect);
        var page = new List<Trade>();
        var enumerator = TradesAsync(listing, gap, ct).GetAsyncEnumerator(ct);
        TradeHistoryLimitException? limit = null;
        try
        {
            while (true)
            {
                try
                {
                    if (!await enumerator.MoveNextAsync())
                        break;
                }
                catch (TradeHistoryLimitException e)
                {
                    limit = e;
                    break;
                }
                page.Add(enumerator.Current);
            }
        }
        finally
        {
            await enumerator.DisposeAsync();
        }
        yield return page;
        if (limit is not null)
            throw limit;
    }

    public async IAsyncEnumerable<IReadOnlyList<Candle>> CandlePagesAsync(
        VenueListing listing,
        string interval,
        long fromUs,
        long toUs,
        [EnumeratorCancellation] CancellationToken ct
    )
    {
        if (!BybitCategory.Intervals.TryGetValue(interval, out var bybitInterval))
            throw new InvalidRequestException(
                $"Bybit has no {interval} candles; it serves {string.Join(", ", BybitCategory.Intervals.Keys)}"
            );
        var category = BybitCategory.Of(listing.Instrument);
        var stepUs = CandleInterval.Parse(interval).DurationUs;
        // Fixed windows of one page each, oldest first (the venue answers newest first within a window).
        foreach (var (start, end) in CandleWindows.Of(CandleInterval.Parse(interval), fromUs, toUs, KlinePage))
        {
            using var doc = await http.GetAsync(
                VenueHttp.Build(
                    restBase,
                    "/v5/market/kline",
                    ("category", category),
                    ("symbol", listing.Symbol),
                    ("interval", bybitInterval),
                    ("start", start / 1000),
                    ("end", end / 1000 - 1),
                    ("limit", KlinePage)
                ),
                ct
            );
            var rows = Result(doc.RootElement);
            var nowUs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;
            var page = new List<Candle>();
            // [startTime, open, high, low, close, volume, turnover], strings, newest first.
            foreach (var r in rows.EnumerateArray().Reverse())
            {
                var open = long.Parse(r[0].GetString()!, System.Globalization.CultureInfo.InvariantCulture) * 1000;
                if (open < fromUs || open >= toUs || open + stepUs > nowUs)
                    continue;
                page.Add(BybitProtocol.ToCandle(listing, interval, open, r[1], r[2], r[3], r[4], r[5], r[6], Origin.Backfill));
            }
            yield return page;
        }
    }

    private static JsonElement Result(JsonElement root)
    {
        if (root.TryGetProperty("retCode", out var code) && code.GetInt32() != 0)
            throw new VenueRequestException(
                $"bybit REST error {code.GetInt32()}: {(root.TryGetProperty("retMsg", out var m) ? m.GetString() : "")}",
                400
            );
        return root.Get("result").Get("list");
    }

    private static string Iso(long us) => DateTimeOffset.FromUnixTimeMilliseconds(us / 1000).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'");
}
