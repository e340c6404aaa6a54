// GET /coverage: for one instrument and interval, the first and last candle, how many there are and where intervals are missing.
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Pipeline.Schemas;
using Pipeline.Schemas.Calendars;
using Pipeline.Schemas.V1;

namespace Pipeline.Api;

public sealed class CoverageReader(NpgsqlDataSource db, TimeProvider clock, Backfills.BackfillDirectory backfills)
{
    public const int MaxGaps = 1000;

    public async Task WriteAsync(
        HttpResponse response,
        int instrumentId,
        InstrumentRef instrument,
        CandleInterval interval,
        short source,
        long startUs,
        long endUs,
        string version,
        CancellationToken ct
    )
    {
        long? first = null,
            last = null;
        long count = 0;
        await using (
            var cmd = db.CreateCommand(
                "SELECT min(time), max(time), count(*) FROM candles WHERE version = $6 AND instrument_id = $1 AND interval = $2 "
                    + "AND source = $3 AND time >= $4 AND time < $5"
            )
        )
        {
            AddKey(cmd, instrumentId, interval, source, startUs, endUs, version);
            await using var r = await cmd.ExecuteReaderAsync(ct);
            await r.ReadAsync(ct);
            if (!r.IsDBNull(0))
                first = ApiTime.ToMicroseconds(r.GetDateTime(0));
            if (!r.IsDBNull(1))
                last = ApiTime.ToMicroseconds(r.GetDateTime(1));
            count = r.GetInt64(2);
        }
        var gaps = new List<(long From, long To, bool Venue)>();
        var venueGaps = backfills.VenueGaps(instrument.Key);
        var calendar = TradingCalendars.For(instrument.Exchange);
        var missing = 0L;
        await using (
            var cmd = db.CreateCommand(
                """
                SELECT time, next FROM (
                    SELECT time, lead(time) OVER (ORDER BY time) AS next FROM candles
                    WHERE version = $6 AND instrument_id = $1 AND interval = $2 AND source = $3 AND time >= $4 AND time < $5) t
                WHERE next - time > $7 ORDER BY time
                """
            )
        )
        {
            AddKey(cmd, instrumentId, interval, source, startUs, endUs, version);
            cmd.Parameters.Add(new() { Value = TimeSpan.FromTicks(interval.DurationUs * 10), NpgsqlDbType = NpgsqlDbType.Interval });
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                var from = ApiTime.ToMicroseconds(r.GetDateTime(0)) + interval.DurationUs;
                var to = ApiTime.ToMicroseconds(r.GetDateTime(1));
                foreach (var (openFrom, openTo) in InSessions(from, to, calendar, interval))
                {
                    missing += (openTo - openFrom) / interval.DurationUs;
                    foreach (var piece in Split(openFrom, openTo, venueGaps, interval))
                        if (gaps.Count < MaxGaps)
                            gaps.Add(piece);
                }
            }
        }
        // The intervals after the last candle up to end are missing too; the current interval is not counted (its
        // first trade may still come).
        var nowUs = ApiTime.ToMicroseconds(clock.GetUtcNow().UtcDateTime);
        var tailEnd = interval.OpenTimeOf(Math.Min(endUs, interval.OpenTimeOf(nowUs)));
        if (last is { } lastUs && tailEnd > lastUs + interval.DurationUs)
        {
            foreach (var (openFrom, openTo) in InSessions(lastUs + interval.DurationUs, tailEnd, calendar, interval))
            {
                missing += (openTo - openFrom) / interval.DurationUs;
                foreach (var piece in Split(openFrom, openTo, venueGaps, interval))
                    if (gaps.Count < MaxGaps)
                        gaps.Add(piece);
            }
        }

        response.ContentType = "application/json; charset=utf-8";
        await using var w = new Utf8JsonWriter(response.BodyWriter);
        w.WriteStartObject();
        w.WriteStartObject("data");
        if (first is { } f)
            w.WriteString("first", ApiTime.Format(f));
        else
            w.WriteNull("first");
        if (last is { } l)
            w.WriteString("last", ApiTime.Format(l));
        else
            w.WriteNull("last");
        w.WriteNumber("count", count);
        w.WriteNumber("expected", count + missing);
        w.WriteNumber("missing", missing);
        w.WriteStartArray("gaps");
        foreach (var (from, to, venue) in gaps)
        {
            w.WriteStartObject();
            w.WriteString("start", ApiTime.Format(from));
            w.WriteString("end", ApiTime.Format(to));
            w.WriteNumber("missing", (to - from) / interval.DurationUs);
            w.WriteBoolean("venue_gap", venue);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteBoolean("gaps_truncated", missing > 0 && gaps.Count == MaxGaps);
        w.WriteEndObject();
        w.WriteStartObject("metadata");
        HistoryJson.WriteInstrument(w, instrument);
        w.WriteString("interval", interval.Name);
        w.WriteString("start", ApiTime.Format(startUs));
        w.WriteString("end", ApiTime.Format(endUs));
        w.WriteString("version", version);
        w.WriteEndObject();
        w.WriteEndObject();
        await w.FlushAsync(ct);
        // Utf8JsonWriter only advances the PipeWriter; flush it so wrapped bodies (output cache) see the bytes.
        await response.BodyWriter.FlushAsync(ct);
    }

    /// <summary>The part of a missing range [from, to) (interval-aligned) where candles are expected: all of it on a venue
    /// that never closes; on a venue with a trading calendar only the intervals overlapping a session (a 1m candle per session
    /// minute, a 1h or 1d candle when the market is open during it, a 1w candle for a week with at least one session), so
    /// nights, weekends and holidays are neither expected nor gaps.</summary>
    internal static IEnumerable<(long From, long To)> InSessions(long from, long to, ITradingCalendar? calendar, CandleInterval interval)
    {
        if (calendar is null)
        {
            yield return (from, to);
            yield break;
        }
        long? runFrom = null;
        var runTo = 0L;
        foreach (var (openUs, closeUs) in calendar.Sessions(from, to))
        {
            var start = Math.Max(from, interval.OpenTimeOf(openUs));
            var end = Math.Min(to, interval.FirstOpenAtOrAfter(closeUs));
            if (end <= start)
                continue;
            // Sessions sharing an interval (two trading days in one 1w candle) merge into one run.
            if (runFrom is not null && start <= runTo)
            {
                runTo = Math.Max(runTo, end);
                continue;
            }
            if (runFrom is { } done)
                yield return (done, runTo);
            runFrom = start;
            runTo = end;
        }
        if (runFrom is { } tail)
            yield return (tail, runTo);
    }

    /// <summary>A missing range cut into pieces that lie wholly inside a known venue gap (whole intervals only) and the rest.</summary>
    internal static IEnumerable<(long From, long To, bool Venue)> Split(
        long from,
        long to,
        IReadOnlyList<(long FromUs, long ToUs)> venueGaps,
        CandleInterval interval
    )
    {
        var at = from;
        foreach (var (gapFrom, gapTo) in venueGaps)
        {
            if (gapTo <= at || gapFrom >= to)
                continue;
            var start = interval.FirstOpenAtOrAfter(Math.Max(gapFrom, at));
            var end = interval.OpenTimeOf(Math.Min(gapTo, to));
            if (end <= start)
                continue;
            if (start > at)
                yield return (at, start, false);
            yield return (start, end, true);
            at = end;
        }
        if (at < to)
            yield return (at, to, false);
    }

    private static void AddKey(
        NpgsqlCommand cmd,
        int instrumentId,
        CandleInterval interval,
        short source,
        long startUs,
        long endUs,
        string version
    )
    {
        cmd.Parameters.Add(new() { Value = instrumentId, NpgsqlDbType = NpgsqlDbType.Integer });
        cmd.Parameters.Add(new() { Value = interval.Name, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = source, NpgsqlDbType = NpgsqlDbType.Smallint });
        cmd.Parameters.Add(new() { Value = ApiTime.ToDateTime(startUs), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        cmd.Parameters.Add(new() { Value = ApiTime.ToDateTime(endUs), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        cmd.Parameters.Add(new() { Value = version, NpgsqlDbType = NpgsqlDbType.Text });
    }
}
