// Yahoo Finance REST: one-minute bars from /v8/finance/chart/{symbol}?interval=1m&period1=&period2=, in windows of at most
// 7 days (Yahoo refuses longer 1m ranges) and only for sessions (a weekend window costs no request). No trades.
using System.Runtime.CompilerServices;
using System.Text.Json;
using Pipeline.Schemas.Calendars;
using Pipeline.Schemas.V1;

namespace Pipeline.Producers.Venues.Yahoo;

public sealed class YahooHistory(VenueHttp http, Uri restBase, ITradingCalendar calendar) : IVenueHistory
{
    private const long WindowUs = 7 * 86_400_000_000L;

    public string Exchange => "yahoo";
    public bool HasTradeHistory => false;

    public IAsyncEnumerable<Trade> TradesAsync(VenueListing listing, TradeGap gap, CancellationToken ct) =>
        throw new NotSupportedException("yahoo serves minute bars only, no trades");

    public IAsyncEnumerable<IReadOnlyList<Trade>> TradePagesAsync(VenueListing listing, long fromUs, long toUs, CancellationToken ct) =>
        throw new NotSupportedException("yahoo serves minute bars only, no trades: ask for the 1m interval instead");

    public async IAsyncEnumerable<IReadOnlyList<Candle>> CandlePagesAsync(
        VenueListing listing,
        string interval,
        long fromUs,
        long toUs,
        [EnumeratorCancellation] CancellationToken ct
    )
    {
        if (interval != "1m")
            throw new ArgumentException($"yahoo serves interval 1m here, not '{interval}'");
        for (var start = fromUs; start < toUs; start += WindowUs)
        {
            var end = Math.Min(start + WindowUs, toUs);
            if (calendar.NextOpenAtOrAfter(start) >= end)
                continue;
            var uri = VenueHttp.Build(
                restBase,
                $"/v8/finance/chart/{Uri.EscapeDataString(listing.Symbol)}",
                ("interval", "1m"),
                ("period1", start / 1_000_000),
                ("period2", (end + 999_999) / 1_000_000),
                ("includePrePost", "false")
            );
            JsonDocument doc;
            try
            {
                doc = await http.GetAsync(uri, ct);
            }
            catch (VenueRequestException e) when (e.StatusCode == 404 && e.Body is { } body)
            {
                // Yahoo answers an unknown symbol with 404 and chart.error: say which configured symbol is wrong.
                using var error = TryParse(body);
                if (error is null)
                    throw;
                YahooChart.Candles(error.RootElement, listing, calendar, start, end, Origin.Backfill, 404);
                throw;
            }
            using (doc)
                yield return YahooChart.Candles(doc.RootElement, listing, calendar, start, end, Origin.Backfill);
        }
    }

    private static JsonDocument? TryParse(string body)
    {
        try
        {
            return JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
