// Kraken REST: /0/public/Trades paged with "since" (a nanosecond cursor), /0/public/OHLC for candles.
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Pipeline.Plumbing.Errors;
using Pipeline.Schemas.V1;

namespace Pipeline.Producers.Venues.Kraken;

public sealed class KrakenHistory(VenueHttp http, Uri restBase) : IVenueHistory
{
    /// <summary>The candle intervals Kraken serves, in minutes, by our interval name.</summary>
    internal static readonly IReadOnlyDictionary<string, int> Minutes = new Dictionary<string, int>
    {
        ["1m"] = 1,
        ["5m"] = 5,
        ["15m"] = 15,
        ["30m"] = 30,
        ["1h"] = 60,
        ["4h"] = 240,
        ["1d"] = 1440,
        ["1w"] = 10080,
    };

    public string Exchange => "kraken";
    public bool HasTradeHistory => true;

    public async IAsyncEnumerable<Trade> TradesAsync(VenueListing listing, TradeGap gap, [EnumeratorCancellation] CancellationToken ct)
    {
        // Start just before the last delivered trade's time (since is exclusive, in ns) and keep what lies inside the gap.
        var since = (gap.AfterTimeUs - 1) * 1000;
        var expected = gap.AfterId + 1;
        while (expected < gap.BeforeId)
        {
            using var doc = await http.GetAsync(
                VenueHttp.Build(restBase, "/0/public/Trades", ("pair", KrakenProtocol.RestPair(listing.Symbol)), ("since", since)),
                ct
            );
            var (rows, last) = Result(doc.RootElement);
            var receiveUs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;
            var any = false;
            foreach (var r in rows.EnumerateArray())
            {
                any = true;
                // [price, volume, time, side, order type, misc, trade_id]
                var id = r[6].GetInt64();
                if (id >= gap.BeforeId)
                    yield break;
                if (id < expected)
                    continue;
                expected = id + 1;
                yield return ToTrade(r, listing, receiveUs);
            }
            if (!any || last is null || last == since)
                yield break;
            since = last.Value;
        }
    }

    /// <summary>Trades by time: "since" is a time cursor (ns), so the range is read forward page by page.</summary>
    public async IAsyncEnumerable<IReadOnlyList<Trade>> TradePagesAsync(
        VenueListing listing,
        long fromUs,
        long toUs,
        [EnumeratorCancellation] CancellationToken ct
    )
    {
        var since = (fromUs - 1) * 1000;
        while (true)
        {
            using var doc = await http.GetAsync(
                VenueHttp.Build(restBase, "/0/public/Trades", ("pair", KrakenProtocol.RestPair(listing.Symbol)), ("since", since)),
                ct
            );
            var (rows, last) = Result(doc.RootElement);
            var receiveUs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;
            var page = new List<Trade>();
            var done = rows.GetArrayLength() == 0;
            foreach (var r in rows.EnumerateArray())
            {
                var trade = ToTrade(r, listing, receiveUs);
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
            if (done || last is null || last == since)
                yield break;
            since = last.Value;
        }
    }

    private static Trade ToTrade(JsonElement r, VenueListing listing, long receiveUs) =>
        new()
        {
            Instrument = listing.Instrument,
            TradeId = r[6].GetInt64(),
            Price = JsonFields.Wire(r[0].Positive("price")),
            Size = JsonFields.Wire(r[1].Positive("volume")),
            Aggressor = JsonFields.Aggressor(r[3].GetString(), buy: "b", sell: "s"),
            EventTimeUs = JsonFields.SecondsTextToMicros(r[2].GetRawText().Trim('"')),
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
        if (!Minutes.TryGetValue(interval, out var minutes))
            throw new InvalidRequestException($"Kraken has no {interval} candles; it serves {string.Join(", ", Minutes.Keys)}");
        var stepUs = minutes * 60_000_000L;
        // Kraken serves only the latest KrakenVenue.CandleDepth candles per interval; "since" narrows within them.
        using var doc = await http.GetAsync(
            VenueHttp.Build(
                restBase,
                "/0/public/OHLC",
                ("pair", KrakenProtocol.RestPair(listing.Symbol)),
                ("interval", minutes),
                ("since", fromUs / 1_000_000 - 1)
            ),
            ct
        );
        var (rows, _) = Result(doc.RootElement);
        var nowUs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;
        var page = new List<Candle>();
        foreach (var r in rows.EnumerateArray())
        {
            // [time, open, high, low, close, vwap, volume, count]
            var open = r[0].GetInt64() * 1_000_000;
            if (open < fromUs || open >= toUs || open + stepUs > nowUs)
                continue;
            var volume = r[6].Dec("volume");
            var vwap = r[5].Dec("vwap");
            page.Add(
                new Candle
                {
                    Instrument = listing.Instrument,
                    Interval = interval,
                    OpenTimeUs = open,
                    CloseTimeUs = open + stepUs,
                    Open = JsonFields.Wire(r[1].Positive("open")),
                    High = JsonFields.Wire(r[2].Positive("high")),
                    Low = JsonFields.Wire(r[3].Positive("low")),
                    Close = JsonFields.Wire(r[4].Positive("close")),
                    Vwap = JsonFields.Wire(vwap),
                    Volume = JsonFields.Wire(volume),
                    TradeCount = r[7].GetInt64(),
                    Closed = true,
                    Source = CandleSource.Exchange,
                    Origin = Origin.Backfill,
                }
            );
        }
        yield return page;
    }

    private static (JsonElement Rows, long? Last) Result(JsonElement root)
    {
        if (root.TryGetProperty("error", out var errors) && errors.ValueKind == JsonValueKind.Array && errors.GetArrayLength() > 0)
            throw new VenueRequestException(
                $"kraken REST error: {string.Join("; ", errors.EnumerateArray().Select(e => e.GetString()))}",
                400
            );
        var result = root.Get("result");
        JsonElement? rows = null;
        long? last = null;
        foreach (var p in result.EnumerateObject())
        {
            if (p.Name == "last")
                last =
                    p.Value.ValueKind == JsonValueKind.Number
                        ? p.Value.GetInt64()
                        : long.Parse(p.Value.GetString()!, CultureInfo.InvariantCulture);
            else
                rows = p.Value; // the pair's key is Kraken's internal name (e.g. XXBTZUSD)
        }
        return (rows ?? throw new FormatException("result has no rows"), last);
    }
}
