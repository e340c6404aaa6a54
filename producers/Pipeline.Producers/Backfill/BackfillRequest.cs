// What `pipeline backfill` was asked for, checked: a configured listing on a supported venue, an interval, a time range.
using System.Globalization;
using Pipeline.Plumbing.Configuration;
using Pipeline.Plumbing.Errors;
using Pipeline.Producers.Venues;
using Pipeline.Schemas;

namespace Pipeline.Producers.Backfill;

public sealed record BackfillRequest(VenueListing Listing, string Interval, long FromUs, long ToUs)
{
    /// <summary>Identifies the job for resuming: the same arguments continue where the last run stopped.</summary>
    public string Key => $"{Listing.Instrument.Key}:{Interval}:{FromUs}:{ToUs}";

    /// <summary>Builds a request from command-line text; throws ArgumentException with one line saying what is wrong.</summary>
    public static BackfillRequest Create(
        VenueListings listings,
        string exchange,
        string instrument,
        string interval,
        string? from,
        string? to,
        string? days,
        DateTimeOffset now,
        VenueRegistry? venues = null
    )
    {
        venues ??= VenueRegistry.Default;
        exchange = exchange.Trim().ToLowerInvariant();
        if (!venues.TryGet(exchange, out var venue))
            throw new InvalidRequestException(
                $"--exchange '{exchange}' is not supported for backfill; use one of {string.Join(", ", venues.Connected)}"
            );
        var listing = listings.Find(exchange, instrument);
        if (!CandleInterval.TryParse(interval, out var candleInterval))
            throw new InvalidRequestException(
                $"--interval '{interval}' is not a pipeline interval; use one of {string.Join(", ", CandleInterval.Names)}"
            );
        var step = candleInterval.DurationUs;

        // Only whole intervals that have closed are history.
        long nowUs = UnixMicros.FromDateTimeOffset(now);
        long toUs = to is null ? candleInterval.OpenTimeOf(nowUs) : ParseTime(to, "--to");
        long fromUs;
        if (days is not null)
        {
            if (from is not null)
                throw new InvalidRequestException("give either --from or --days, not both");
            if (days.Equals("max", StringComparison.OrdinalIgnoreCase))
                fromUs = toUs - venue.HistoryDepthUs(step, nowUs);
            else if (int.TryParse(days, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0)
                fromUs = toUs - n * 86_400_000_000L;
            else
                throw new InvalidRequestException($"--days '{days}' is neither a positive number of days nor 'max'");
        }
        else if (from is not null)
            fromUs = ParseTime(from, "--from");
        else
            throw new InvalidRequestException("give --from DATE (e.g. 2024-01-01) or --days N (or --days max)");
        fromUs = candleInterval.OpenTimeOf(fromUs);
        if (fromUs >= toUs)
            throw new InvalidRequestException($"the range is empty: --from {Format(fromUs)} is not before --to {Format(toUs)}");
        return new BackfillRequest(listing, interval, fromUs, toUs);
    }

    private static long ParseTime(string text, string option)
    {
        if (UnixMicros.TryParseIso(text, out var t))
            return t;
        throw new InvalidRequestException($"{option} '{text}' is not a date or time; use e.g. 2024-01-01 or 2024-01-01T12:00:00Z");
    }

    private static string Format(long us) =>
        new UnixMicros(us).ToDateTimeOffset().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
