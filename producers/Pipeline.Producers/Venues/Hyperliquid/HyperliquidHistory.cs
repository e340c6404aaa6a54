// Hyperliquid REST: POST /info {"type":"candleSnapshot"}; at most 500 candles per response and only the latest 5000.
using System.Runtime.CompilerServices;
using System.Text.Json;
using Pipeline.Plumbing.Errors;
using Pipeline.Schemas.V1;

namespace Pipeline.Producers.Venues.Hyperliquid;

public sealed class HyperliquidHistory(VenueHttp http, Uri restBase) : IVenueHistory
{
    public string Exchange => "hyperliquid";

    // There is no public trade history endpoint: gaps are covered by candles.
    public bool HasTradeHistory => false;

    public IAsyncEnumerable<Trade> TradesAsync(VenueListing listing, TradeGap gap, CancellationToken ct) =>
        throw new NotSupportedException("Hyperliquid has no public trade history; fill gaps with candles");

    public IAsyncEnumerable<IReadOnlyList<Trade>> TradePagesAsync(VenueListing listing, long fromUs, long toUs, CancellationToken ct) =>
        throw new NotSupportedException("Hyperliquid has no public trade history; backfill its candles instead");

    public async IAsyncEnumerable<IReadOnlyList<Candle>> CandlePagesAsync(
        VenueListing listing,
        string interval,
        long fromUs,
        long toUs,
        [EnumeratorCancellation] CancellationToken ct
    )
    {
        if (!HyperliquidProtocol.Intervals.Contains(interval))
            throw new InvalidRequestException(
                $"Hyperliquid has no {interval} candles; it serves {string.Join(", ", HyperliquidProtocol.Intervals)}"
            );
        var start = fromUs / 1000;
        var end = toUs / 1000;
        while (start < end)
        {
            var body = JsonSerializer.Serialize(
                new
                {
                    type = "candleSnapshot",
                    req = new
                    {
                        coin = listing.Symbol,
                        interval,
                        startTime = start,
                        endTime = end - 1,
                    },
                }
            );
            using var doc = await http.PostJsonAsync(VenueHttp.Build(restBase, "/info"), body, ct);
            if (doc.RootElement.ValueKind != JsonValueKind.Array)
                throw new FormatException("candleSnapshot did not return an array");
            var nowUs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;
            var page = new List<Candle>();
            long lastOpenMs = -1;
            foreach (var c in doc.RootElement.EnumerateArray())
            {
                var candle = HyperliquidProtocol.ToCandle(c, listing, Origin.Backfill);
                lastOpenMs = Math.Max(lastOpenMs, candle.OpenTimeUs / 1000);
                if (candle.OpenTimeUs < fromUs || candle.OpenTimeUs >= toUs || candle.CloseTimeUs > nowUs)
                    continue;
                page.Add(candle);
            }
            if (doc.RootElement.GetArrayLength() == 0 || lastOpenMs < start)
                yield break;
            yield return page;
            start = lastOpenMs + 1;
        }
    }
}
