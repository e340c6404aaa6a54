// Yahoo Finance's chart answer (GET /v8/finance/chart/{symbol}) as our candles: chart.result[0].timestamp[] (seconds, bar
// open) with indicators.quote[0].open/high/low/close/volume arrays, null where the minute had no trade.
using System.Globalization;
using System.Text.Json;
using Pipeline.Schemas.Calendars;
using Pipeline.Schemas.V1;

namespace Pipeline.Producers.Venues.Yahoo;

public static class YahooChart
{
    private const long MinuteUs = 60_000_000;

    /// <summary>The closed one-minute bars of a chart answer with open time in [fromUs, toUs), oldest first. Left out:
    /// minutes without a trade (null prices: no fake candle), the still-forming last element (Yahoo stamps it with the
    /// time of the latest quote, not a minute boundary), and bars outside the regular session (pre/post market and the
    /// zero-volume 16:00 bar that carries the closing auction price). Throws <see cref="VenueRequestException"/> when the
    /// answer carries chart.error, ArgumentException when the listing is not a US dollar equity on the NYSE calendar,
    /// FormatException when the answer is malformed.</summary>
    public static List<Candle> Candles(
        JsonElement root,
        VenueListing listing,
        ITradingCalendar calendar,
        long fromUs,
        long toUs,
        Origin origin,
        int statusCode = 200
    )
    {
        var chart = root.Get("chart");
        if (chart.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
            throw UnknownSymbol(listing, error, statusCode);
        var results = chart.Get("result");
        if (results.ValueKind != JsonValueKind.Array || results.GetArrayLength() == 0)
            throw new FormatException("chart.result is empty");
        var result = results[0];
        CheckMarket(result.Get("meta"), listing);
        var candles = new List<Candle>();
        // A range without any bar (a holiday, a weekend) comes without "timestamp" and with an empty quote object.
        if (!result.TryGetProperty("timestamp", out var times) || times.ValueKind == JsonValueKind.Null)
            return candles;
        var quote = result.Get("indicators").Get("quote")[0];
        var (open, high, low, close, volume) = (
            quote.Get("open"),
            quote.Get("high"),
            quote.Get("low"),
            quote.Get("close"),
            quote.Get("volume")
        );
        var i = 0;
        foreach (var t in times.EnumerateArray())
        {
            var index = i++;
            var openUs = t.GetInt64() * 1_000_000;
            if (openUs % MinuteUs != 0 || openUs < fromUs || openUs >= toUs || !calendar.IsOpen(openUs))
                continue;
            var o = open[index];
            var h = high[index];
            var l = low[index];
            var c = close[index];
            if (
                o.ValueKind == JsonValueKind.Null
                || h.ValueKind == JsonValueKind.Null
                || l.ValueKind == JsonValueKind.Null
                || c.ValueKind == JsonValueKind.Null
            )
                continue;
            var v = volume[index];
            candles.Add(
                new Candle
                {
                    Instrument = listing.Instrument,
                    Interval = "1m",
                    OpenTimeUs = openUs,
                    CloseTimeUs = openUs + MinuteUs,
                    Open = Schemas.V1.Decimal.From(Price(o, "open")),
                    High = Schemas.V1.Decimal.From(Price(h, "high")),
                    Low = Schemas.V1.Decimal.From(Price(l, "low")),
                    Close = Schemas.V1.Decimal.From(Price(c, "close")),
                    Volume = Schemas.V1.Decimal.From(v.ValueKind == JsonValueKind.Null ? 0 : v.GetInt64()),
                    Closed = true,
                    Source = CandleSource.Exchange,
                    Origin = origin,
                }
            );
        }
        return candles;
    }

    /// <summary>A Yahoo price as an exact decimal. Yahoo keeps bar prices as 32-bit floats (every price of a recorded
    /// answer is a float32 value: 103.72 arrives as 103.72000122070312), so the decimal is the shortest one that
    /// round-trips that float (103.72, 103.6642), then rounded half-even to 4 places, the finest US equity tick ($0.0001
    /// below $1, $0.01 above). A double that is not a float32 value is rounded to 4 places directly.</summary>
    public static decimal Price(double value)
    {
        if (!double.IsFinite(value) || value <= 0)
            throw new FormatException($"price {value} is not a positive number");
        var single = (float)value;
        var exact =
            (double)single == value
                ? decimal.Parse(single.ToString("R", CultureInfo.InvariantCulture), NumberStyles.Float, CultureInfo.InvariantCulture)
                : (decimal)value;
        var rounded = Math.Round(exact, 4, MidpointRounding.ToEven);
        if (rounded <= 0)
            throw new FormatException($"price {value} rounds to zero at 4 decimals");
        return rounded;
    }

    private static decimal Price(JsonElement e, string what) =>
        e.ValueKind == JsonValueKind.Number ? Price(e.GetDouble()) : throw new FormatException($"{what} is not a number");

    private static void CheckMarket(JsonElement meta, VenueListing listing)
    {
        // The NYSE calendar decides which minutes are sessions: a listing of another exchange would be cut wrongly.
        if (meta.TryGetProperty("exchangeTimezoneName", out var zone) && zone.GetString() is { } tz && tz != "America/New_York")
            throw new ArgumentException(
                $"yahoo symbol '{listing.Symbol}' trades in time zone {tz}; only US listings (America/New_York, "
                    + $"NYSE calendar) are supported: remove {listing.Instrument.Key} from config/instruments.yaml"
            );
        if (
            meta.TryGetProperty("currency", out var currency)
            && currency.GetString() is { } ccy
            && !string.Equals(ccy, listing.Instrument.Quote, StringComparison.OrdinalIgnoreCase)
        )
            throw new ArgumentException(
                $"yahoo symbol '{listing.Symbol}' is quoted in {ccy}, not {listing.Instrument.Quote}: "
                    + $"correct the quote of {listing.Instrument.Key} in config/instruments.yaml"
            );
    }

    private static VenueRequestException UnknownSymbol(VenueListing listing, JsonElement error, int statusCode)
    {
        var code = error.TryGetProperty("code", out var c) ? c.GetString() : null;
        var description = error.TryGetProperty("description", out var d) ? d.GetString() : null;
        return new VenueRequestException(
            $"yahoo does not know symbol '{listing.Symbol}' ({code}: {description}); correct the symbol of "
                + $"{listing.Instrument.Key} in config/instruments.yaml",
            statusCode == 200 ? 404 : statusCode
        );
    }
}
