// Coinbase Exchange REST: /products/{id}/trades paged backwards with the "after" cursor, /products/{id}/candles.
using System.Runtime.CompilerServices;
using System.Text.Json;
using Pipeline.Plumbing.Errors;
using Pipeline.Schemas;
using Pipeline.Schemas.V1;

namespace Pipeline.Producers.Venues.Coinbase;

public sealed class CoinbaseHistory(VenueHttp http, Uri restBase) : IVenueHistory
{
    private const int TradePage = 1000;
    private const int CandlePage = 300;

    /// <summary>The candle granularities Coinbase serves, in seconds, by our interval name.</summary>
    internal static readonly IReadOnlyDictionary<string, int> Granularities = new Dictionary<string, int>
    {
        ["1m"] = 60,
        ["5m"] = 300,
        ["15m"] = 900,
        ["1h"] = 3600,
        ["6h"] = 21600,
        ["1d"] = 86400,
    };

    public string Exchange => "coinbase";
    public bool HasTradeHistory => true;

    public async IAsyncEnumerable<Trade> TradesAsync(VenueListing listing, TradeGap gap, [EnumeratorCancellation] CancellationToken ct)
    {
        // Pages come newest first: "after=N" returns trades with ids below N. Walk back from the gap's end, then
        // hand the trades out oldest first so the topic keeps venue order.
        var found = new List<Trade>();
        long cursor = gap.BeforeId;
        while (cursor > gap.AfterId + 1)
        {
            var (doc, next) = await http.GetWithHeaderAsync(
                VenueHttp.Build(restBase, $"/products/{listing.Symbol}/trades", ("limit", TradePage), ("after", cursor)),
                "CB-AFTER",
                ct
            );
            using (doc)
            {
                if (doc.RootElement.ValueKind != JsonValueKind.Array)
                    throw new FormatException("trades did not return an array");
                var receiveUs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;
                var lowest = cursor;
                foreach (var t in doc.RootElement.EnumerateArray())
                {
                    var trade = CoinbaseProtocol.ToTrade(t, listing, receiveUs, Origin.Backfill);
                    lowest = Math.Min(lowest, trade.TradeId);
                    if (trade.TradeId > gap.AfterId && trade.TradeId < gap.BeforeId)
                        found.Add(trade);
                }
                var nextCursor = long.TryParse(next, out var n) ? n : lowest;
                if (lowest >= cursor || nextCursor >= cursor)
                    break;
                cursor = nextCursor;
            }
        }
        foreach (var trade in found.OrderBy(t => t.TradeId))
            yield return trade;
    }

    /// <summary>Trades by time. Coinbase pages by trade id only ("after=N": ids below N, newest first), so the first id at
    /// or after fromUs is found by a binary search over ids (about log2(newest id) requests, once per range), then the
    /// range is read forward a page of ids at a time.</summary>
    public async IAsyncEnumerable<IReadOnlyList<Trade>> TradePagesAsync(
        VenueListing listing,
        long fromUs,
        long toUs,
        [EnumeratorCancellation] CancellationToken ct
    )
    {
        var newest = await TradeBelowAsync(listing, null, ct);
        if (newest is null || newest.EventTimeUs < fromUs)
            yield break;
        // The lowest id whose trade is at or after fromUs: ids and times rise together.
        long lo = 1,
            hi = newest.TradeId;
        while (lo < hi)
        {
            var mid = lo + (hi - lo) / 2;
            var probe = await TradeBelowAsync(listing, mid + 1, ct);
            if (probe is not null && probe.EventTimeUs >= fromUs)
                hi = probe.TradeId;
            else
                lo = mid + 1;
        }
        for (var first = lo; ; first += TradePage)
        {
            // The ids [first, first + TradePage), walked back from the top in case a page holds fewer than asked for.
            var rows = new List<Trade>();
            for (var cursor = first + TradePage; cursor > first; )
            {
                var (doc, _) = await http.GetWithHeaderAsync(
                    VenueHttp.Build(restBase, $"/products/{listing.Symbol}/trades", ("limit", TradePage), ("after", cursor)),
                    "CB-AFTER",
                    ct
                );
                using (doc)
                {
                    if (doc.RootElement.ValueKind != JsonValueKind.Array)
                        throw new FormatException("trades did not return an array");
                    var receiveUs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;
                    var got = doc
                        .RootElement.EnumerateArray()
                        .Select(t => CoinbaseProtocol.ToTrade(t, listing, receiveUs, Origin.Backfill))
                        .Where(t => t.TradeId >= first && t.TradeId < cursor)
                        .ToList();
                    if (got.Count == 0)
                        break;
                    rows.AddRange(got);
                    cursor = got.Min(t => t.TradeId);
                }
            }
            rows.Sort((x, y) => x.TradeId.CompareTo(y.TradeId));
            var page = rows.TakeWhile(t => t.EventTimeUs < toUs).Where(t => t.EventTimeUs >= fromUs).ToList();
            if (page.Count > 0)
                yield return page;
            // The range's end was reached, or the venue has nothing newer yet.
            if (rows.Count == 0 || rows.Any(t => t.EventTimeUs >= toUs) || rows[^1].TradeId >= newest.TradeId)
                yield break;
        }
    }

    /// <summary>The newest trade with an id below <paramref name="before"/> (the newest of all when null), or null.</summary>
    private async Task<Trade?> TradeBelowAsync(VenueListing listing, long? before, CancellationToken ct)
    {
        var (doc, _) = await http.GetWithHeaderAsync(
            VenueHttp.Build(restBase, $"/products/{listing.Symbol}/trades", ("limit", 1), ("after", before)),
            "CB-AFTER",
            ct
        );
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Array)
                throw new FormatException("trades did not return an array");
            return doc.RootElement.GetArrayLength() == 0
                ? null
                : CoinbaseProtocol.ToTrade(
                    doc.RootElement[0],
                    listing,
                    DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000,
                    Origin.Backfill
                );
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
        if (!Granularities.TryGetValue(interval, out var seconds))
            throw new InvalidRequestException($"Coinbase has no {interval} candles; it serves {string.Join(", ", Granularities.Keys)}");
        // Coinbase's granularities are our intervals of the same length, aligned to the epoch as ours are.
        var candleInterval = CandleInterval.Parse(interval);
        var stepUs = candleInterval.DurationUs;
        foreach (var (start, end) in CandleWindows.Of(candleInterval, fromUs, toUs, CandlePage))
        {
            using var doc = await http.GetAsync(
                VenueHttp.Build(
                    restBase,
                    $"/products/{listing.Symbol}/candles",
                    ("granularity", seconds),
                    ("start", DateTimeOffset.FromUnixTimeMilliseconds(start / 1000).ToString("O")),
                    ("end", DateTimeOffset.FromUnixTimeMilliseconds((end - 1) / 1000).ToString("O"))
                ),
                ct
            );
            if (doc.RootElement.ValueKind != JsonValueKind.Array)
                throw new FormatException("candles did not return an array");
            var nowUs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;
            var page = new List<Candle>();
            // Rows are [time, low, high, open, close, volume], newest first, numbers.
            foreach (var row in doc.RootElement.EnumerateArray().Reverse())
            {
                var open = row[0].GetInt64() * 1_000_000;
                if (open < fromUs || open >= toUs || open + stepUs > nowUs)
                    continue;
                page.Add(
                    new Candle
                    {
                        Instrument = listing.Instrument,
                        Interval = interval,
                        OpenTimeUs = open,
                        CloseTimeUs = open + stepUs,
                        Low = JsonFields.Wire(row[1].Positive("low")),
                        High = JsonFields.Wire(row[2].Positive("high")),
                        Open = JsonFields.Wire(row[3].Positive("open")),
                        Close = JsonFields.Wire(row[4].Positive("close")),
                        Volume = JsonFields.Wire(row[5].Dec("volume")),
                        Closed = true,
                        Source = CandleSource.Exchange,
                        Origin = Origin.Backfill,
                    }
                );
            }
            yield return page;
        }
    }
}
