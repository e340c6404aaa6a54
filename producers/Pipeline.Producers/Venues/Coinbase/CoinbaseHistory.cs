// Coinbase Exchange REST: /products/{id}/trades paged backwards with the "after" cursor, /products/{id}/candles.
using System.Runtime.CompilerServices;
using System.Text.Json;
using Pipeline.Schemas.V1;

namespace Pipeline.Producers.Venues.Coinbase;

public sealed class CoinbaseHistory(VenueHttp http, Uri restBase) : IVenueHistory
{
    private const int TradePage = 1000;
    private const int CandlePage = 300;

    /// <summary>The candle granularities Coinbase serves, in seconds, by our interval name.</summary>
    internal static readonly IReadOnlyDictionary<string, int> Granularities = new Dictionary<string, int>
    {
        ["1m"] = 60, ["5m"] = 300, ["15m"] = 900, ["1h"] = 3600, ["6h"] = 21600, ["1d"] = 86400,
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
            var (doc, next) = await http.GetWithHeaderAsync(VenueHttp.Build(restBase, $"/products/{listing.Symbol}/trades",
                ("limit", TradePage), ("after", cursor)), "CB-AFTER", ct);
            using (doc)
            {
                if (doc.RootElement.ValueKind != JsonValueKind.Array) throw new FormatException("trades did not return an array");
                var receiveUs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;
                var lowest = cursor;
                foreach (var t in doc.RootElement.EnumerateArray())
                {
                    var trade = CoinbaseProtocol.ToTrade(t, listing, receiveUs, Origin.Backfill);
                    lowest = Math.Min(lowest, trade.TradeId);
                    if (trade.TradeId > gap.AfterId && trade.TradeId < gap.BeforeId) found.Add(trade);
                }
                var nextCursor = long.TryParse(next, out var n) ? n : lowest;
                if (lowest >= cursor || nextCursor >= cursor) break;
                cursor = nextCursor;
            }
        }
        foreach (var trade in found.OrderBy(t => t.TradeId)) yield return trade;
    }

    public IAsyncEnumerable<IReadOnlyList<Trade>> TradePagesAsync(VenueListing listing, long fromUs, long toUs, CancellationToken ct) =>
        throw new NotSupportedException("Coinbase trades are paged by trade id only, with no time parameter; a trade backfill by time range is not implemented for coinbase (its gap fill by id is)");

    public async IAsyncEnumerable<IReadOnlyList<Candle>> CandlePagesAsync(VenueListing listing, string interval, long fromUs, long toUs, [EnumeratorCancellation] CancellationToken ct)
    {
        if (!Granularities.TryGetValue(interval, out var seconds))
            throw new ArgumentException($"Coinbase has no {interval} candles; it serves {string.Join(", ", Granularities.Keys)}");
        var stepUs = seconds * 1_000_000L;
        for (var start = fromUs - fromUs % stepUs; start < toUs; start += CandlePage * stepUs)
        {
            var end = Math.Min(toUs, start + CandlePage * stepUs);
            using var doc = await http.GetAsync(VenueHttp.Build(restBase, $"/products/{listing.Symbol}/candles",
                ("granularity", seconds), ("start", DateTimeOffset.FromUnixTimeMilliseconds(start / 1000).ToString("O")),
                ("end", DateTimeOffset.FromUnixTimeMilliseconds((end - 1) / 1000).ToString("O"))), ct);
            if (doc.RootElement.ValueKind != JsonValueKind.Array) throw new FormatException("candles did not return an array");
            var nowUs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;
            var page = new List<Candle>();
            // Rows are [time, low, high, open, close, volume], newest first, numbers.
            foreach (var row in doc.RootElement.EnumerateArray().Reverse())
            {
                var open = row[0].GetInt64() * 1_000_000;
                if (open < fromUs || open >= toUs || open + stepUs > nowUs) continue;
                page.Add(new Candle
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
                });
            }
            yield return page;
        }
    }
}
