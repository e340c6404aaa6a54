// Binance REST history by id, the same ids as the live stream: spot /api/v3/historicalTrades (@trade ids), futures
// /fapi/v1/aggTrades and /dapi/v1/aggTrades (@aggTrade ids); klines from each market's /klines.
using System.Runtime.CompilerServices;
using System.Text.Json;
using Pipeline.Schemas.V1;

namespace Pipeline.Producers.Venues.Binance;

public sealed class BinanceHistory(VenueHttp http, Uri restBase) : IVenueHistory
{
    private const int TradePage = 1000;
    private const int KlinePage = 1000;
    private const long HourMs = 3_600_000;

    public string Exchange => "binance";
    public bool HasTradeHistory => true;

    // Spot: historicalTrades rather than aggTrades, because aggregate ids are a different sequence from the @trade
    // stream's ids and an aggregate merges several trades. Futures stream aggregate trades, so aggTrades fills them exactly.
    public async IAsyncEnumerable<Trade> TradesAsync(VenueListing listing, TradeGap gap, [EnumeratorCancellation] CancellationToken ct)
    {
        var market = BinanceMarkets.Of(listing.Instrument);
        var spot = market == BinanceMarket.Spot;
        var @base = BinanceMarkets.RestBase(restBase, market);
        var path = BinanceMarkets.RestPrefix(market) + (spot ? "/historicalTrades" : "/aggTrades");
        var fromId = gap.AfterId + 1;
        while (fromId < gap.BeforeId)
        {
            using var doc = await http.GetAsync(
                VenueHttp.Build(@base, path, ("symbol", listing.Symbol), ("fromId", fromId), ("limit", TradePage)),
                ct
            );
            var page = doc.RootElement;
            if (page.ValueKind != JsonValueKind.Array)
                throw new FormatException($"{path} did not return an array");
            var receiveUs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;
            var next = fromId;
            foreach (var t in page.EnumerateArray())
            {
                var id = t.Long(spot ? "id" : "a");
                if (id >= gap.BeforeId)
                    yield break;
                if (id < fromId)
                    continue;
                next = id + 1;
                yield return ToTrade(t, listing, spot, receiveUs);
            }
            // An empty or stuck page means the venue has nothing more (yet); stop rather than spin.
            if (next == fromId)
                yield break;
            fromId = next;
        }
    }

    /// <summary>Trades by time: the first id at or after fromUs from aggTrades (spot: its first trade id "f"; Binance
    /// answers startTime/endTime windows of at most an hour), then the same id paging as gap fills until toUs.</summary>
    public async IAsyncEnumerable<IReadOnlyList<Trade>> TradePagesAsync(
        VenueListing listing,
        long fromUs,
        long toUs,
        [EnumeratorCancellation] CancellationToken ct
    )
    {
        var market = BinanceMarkets.Of(listing.Instrument);
        var spot = market == BinanceMarket.Spot;
        var @base = BinanceMarkets.RestBase(restBase, market);
        var prefix = BinanceMarkets.RestPrefix(market);
        long? fromId = null;
        for (var windowMs = fromUs / 1000; fromId is null && windowMs < (toUs + 999) / 1000; windowMs += HourMs)
        {
            using var doc = await http.GetAsync(
                VenueHttp.Build(
                    @base,
                    prefix + "/aggTrades",
                    ("symbol", listing.Symbol),
                    ("startTime", windowMs),
                    ("endTime", Math.Min(windowMs + HourMs, (toUs + 999) / 1000) - 1),
                    ("limit", 1)
                ),
                ct
            );
            if (doc.RootElement.ValueKind != JsonValueKind.Array)
                throw new FormatException("aggTrades did not return an array");
            if (doc.RootElement.GetArrayLength() > 0)
                fromId = doc.RootElement[0].Long(spot ? "f" : "a");
        }
        if (fromId is not { } id)
            yield break; // no trade at all in the range
        var path = prefix + (spot ? "/historicalTrades" : "/aggTrades");
        while (true)
        {
            using var doc = await http.GetAsync(
                VenueHttp.Build(@base, path, ("symbol", listing.Symbol), ("fromId", id), ("limit", TradePage)),
                ct
            );
            if (doc.RootElement.ValueKind != JsonValueKind.Array)
                throw new FormatException($"{path} did not return an array");
            var receiveUs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;
            var page = new List<Trade>();
            var next = id;
            var done = false;
            foreach (var t in doc.RootElement.EnumerateArray())
            {
                var trade = ToTrade(t, listing, spot, receiveUs);
                if (trade.TradeId < id)
                    continue;
                next = trade.TradeId + 1;
                if (trade.EventTimeUs >= toUs)
                {
                    done = true;
                    break;
                }
                if (trade.EventTimeUs >= fromUs)
                    page.Add(trade);
            }
            if (page.Count > 0)
                yield return page;
            // An empty or stuck page means the venue has nothing more (yet).
            if (done || next == id)
                yield break;
            id = next;
        }
    }

    private static Trade ToTrade(JsonElement t, VenueListing listing, bool spot, long receiveUs) =>
        new()
        {
            Instrument = listing.Instrument,
            TradeId = t.Long(spot ? "id" : "a"),
            Price = JsonFields.Wire(t.Get(spot ? "price" : "p").Positive("price")),
            Size = JsonFields.Wire(t.Get(spot ? "qty" : "q").Positive("qty")),
            Aggressor = t.Get(spot ? "isBuyerMaker" : "m").GetBoolean() ? AggressorSide.Sell : AggressorSide.Buy,
            EventTimeUs = BinanceTimestamps.ToMicros(t.Long(spot ? "time" : "T")),
            ReceiveTimeUs = receiveUs,
            Origin = Origin.Backfill,
            VenueSymbol = listing.Symbol,
        };

    public async IAsyncEnumerable<IReadOnlyList<Candle>> CandlePagesAsync(
        VenueListing listing,
        string interval,
        long fromUs,
        long toUs,
        [EnumeratorCancellation] CancellationToken ct
    )
    {
        var market = BinanceMarkets.Of(listing.Instrument);
        var @base = BinanceMarkets.RestBase(restBase, market);
        var path = BinanceMarkets.RestPrefix(market) + "/klines";
        var start = fromUs / 1000;
        var endMs = toUs / 1000;
        while (start < endMs)
        {
            using var doc = await http.GetAsync(
                VenueHttp.Build(
                    @base,
                    path,
                    ("symbol", listing.Symbol),
                    ("interval", interval),
                    ("startTime", start),
                    ("endTime", endMs - 1),
                    ("limit", KlinePage)
                ),
                ct
            );
            var rows = doc.RootElement;
            if (rows.ValueKind != JsonValueKind.Array)
                throw new FormatException("klines did not return an array");
            var page = new List<Candle>();
            var nowUs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;
            foreach (var k in rows.EnumerateArray())
            {
                // [open time, open, high, low, close, volume, close time, quote volume, trades, taker buy base, taker buy quote, ignore]
                var kline = new BinanceKline
                {
                    OpenTimeUs = BinanceTimestamps.ToMicros(k[0].GetInt64()),
                    CloseTimeUs = BinanceKline.ExclusiveCloseUs(k[6].GetInt64()),
                    Open = k[1].GetString()!,
                    High = k[2].GetString()!,
                    Low = k[3].GetString()!,
                    Close = k[4].GetString()!,
                    Volume = k[5].GetString()!,
                    QuoteVolume = k[7].GetString(),
                    TradeCount = k[8].GetInt64(),
                    TakerBuyBaseVolume = k[9].GetString(),
                    TakerBuyQuoteVolume = k[10].GetString(),
                };
                if (kline.OpenTimeUs < fromUs || kline.OpenTimeUs >= toUs)
                    continue;
                // The newest kline may still be open: only closed ones are history.
                if (kline.CloseTimeUs > nowUs)
                    continue;
                page.Add(kline.ToCandle(listing.Instrument, interval, Origin.Backfill));
            }
            if (rows.GetArrayLength() == 0)
                yield break;
            yield return page;
            var last = rows[rows.GetArrayLength() - 1][0].GetInt64();
            var lastMs = BinanceTimestamps.IsMicroseconds(last) ? last / 1000 : last;
            if (lastMs < start)
                yield break;
            start = lastMs + 1;
        }
    }
}
