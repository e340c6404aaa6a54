// GET /indicators: stored indicator values of one instrument and interval in (time, indicator) order, paged by cursor.
using System.Globalization;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Pipeline.Schemas;
using Pipeline.Schemas.V1;

namespace Pipeline.Api;

public sealed class IndicatorReader(NpgsqlDataSource db)
{
    public const string CursorKind = "indicators";

    private readonly record struct Row(long TimeUs, string Indicator, string Fields, int CandleRevision);

    public async Task WriteAsync(
        HttpResponse response,
        int instrumentId,
        InstrumentRef instrument,
        CandleInterval interval,
        string? indicator,
        HistoryRange range,
        string? cursor,
        string version,
        CancellationToken ct
    )
    {
        (long TimeUs, string Indicator)? after = null;
        if (cursor is not null)
        {
            var colon = cursor.IndexOf(':');
            if (colon <= 0 || !long.TryParse(cursor[..colon], out var t) || t < range.StartUs || t >= range.EndUs)
                throw ApiCursor.Invalid();
            after = (t, cursor[(colon + 1)..]);
        }
        // Latest: the newest rows before end, read backwards and turned around, so old history answers too.
        var order = range.Latest ? "time DESC, indicator DESC" : "time, indicator";
        await using var cmd = db.CreateCommand(
            "SELECT time, indicator, fields::text, candle_revision FROM indicators WHERE version = $9 AND instrument_id = $1 AND "
                + "interval = $2"
                + " AND time >= $3 AND time < $4"
                + (indicator is null ? " AND $6::text IS NULL" : " AND indicator = $6")
                + (after is null ? " AND $7::timestamptz IS NULL AND $8::text IS NULL" : " AND (time, indicator) > ($7, $8)")
                + $" ORDER BY {order} LIMIT $5"
        );
        cmd.Parameters.Add(new() { Value = instrumentId, NpgsqlDbType = NpgsqlDbType.Integer });
        cmd.Parameters.Add(new() { Value = interval.Name, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = ApiTime.ToDateTime(range.StartUs), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        cmd.Parameters.Add(new() { Value = ApiTime.ToDateTime(range.EndUs), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        cmd.Parameters.Add(new() { Value = range.RowsToRead, NpgsqlDbType = NpgsqlDbType.Integer });
        cmd.Parameters.Add(new() { Value = (object?)indicator ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(
            new() { Value = after is { } a ? ApiTime.ToDateTime(a.TimeUs) : DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz }
        );
        cmd.Parameters.Add(new() { Value = after is { } b ? b.Indicator : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = version, NpgsqlDbType = NpgsqlDbType.Text });
        var rows = new List<Row>();
        await using (var r = await cmd.ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct))
                rows.Add(new Row(ApiTime.ToMicroseconds(r.GetDateTime(0)), r.GetString(1), r.GetString(2), r.GetInt32(3)));
        }
        if (rows.Count == 0 && indicator is not null)
            await RequireKnownAsync(instrumentId, interval, indicator, version, ct);
        var (more, start) = range.ShapePage(rows, r => r.TimeUs);

        response.ContentType = "application/json; charset=utf-8";
        await using var w = new Utf8JsonWriter(response.BodyWriter);
        w.WriteStartObject();
        w.WriteStartArray("data");
        foreach (var row in rows)
        {
            w.WriteStartObject();
            w.WriteString("time", ApiTime.Format(row.TimeUs));
            w.WriteString("indicator", row.Indicator);
            w.WritePropertyName("values");
            w.WriteRawValue(row.Fields, skipInputValidation: true);
            w.WriteNumber("candle_revision", row.CandleRevision);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartObject("metadata");
        HistoryJson.WriteInstrument(w, instrument);
        w.WriteString("interval", interval.Name);
        if (indicator is null)
            w.WriteNull("indicator");
        else
            w.WriteString("indicator", indicator);
        w.WriteString("start", ApiTime.Format(start));
        w.WriteString("end", ApiTime.Format(range.EndUs));
        w.WriteNumber("limit", range.Limit);
        w.WriteNumber("count", rows.Count);
        w.WriteString("version", version);
        if (more)
        {
            var last = rows[^1];
            w.WriteString(
                "next_cursor",
                ApiCursor.Encode(CursorKind, string.Create(CultureInfo.InvariantCulture, $"{last.TimeUs}:{last.Indicator}"))
            );
        }
        else
            w.WriteNull("next_cursor");
        w.WriteEndObject();
        w.WriteEndObject();
        await w.FlushAsync(ct);
        // Utf8JsonWriter only advances the PipeWriter; flush it so wrapped bodies (output cache) see the bytes.
        await response.BodyWriter.FlushAsync(ct);
    }

    /// <summary>An empty answer for a named indicator: a 400 listing the stored ones when this one was never computed.</summary>
    private async Task RequireKnownAsync(int instrumentId, CandleInterval interval, string indicator, string version, CancellationToken ct)
    {
        var known = await KnownAsync(instrumentId, interval, version, ct);
        if (known.Count == 0 || known.Contains(indicator))
            return; // nothing computed yet, or simply none in this range
        throw ApiProblem.BadParameter(
            "indicator",
            $"indicator '{indicator}' is not computed for {interval.Name}; "
                + $"the stored ones are {string.Join(", ", known)} (omit indicator= for all)"
        );
    }

    /// <summary>The names stored for an instrument and interval: a loose index scan over the primary key, not a full DISTINCT.</summary>
    private async Task<List<string>> KnownAsync(int instrumentId, CandleInterval interval, string version, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand(
            """
            WITH RECURSIVE names AS (
                SELECT min(indicator) AS name FROM indicators WHERE version = $3 AND instrument_id = $1 AND interval = $2
                UNION ALL
                SELECT (SELECT min(indicator) FROM indicators
                        WHERE version = $3 AND instrument_id = $1 AND interval = $2 AND indicator > names.name)
                FROM names WHERE names.name IS NOT NULL)
            SELECT name FROM names WHERE name IS NOT NULL
            """
        );
        cmd.Parameters.Add(new() { Value = instrumentId, NpgsqlDbType = NpgsqlDbType.Integer });
        cmd.Parameters.Add(new() { Value = interval.Name, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = version, NpgsqlDbType = NpgsqlDbType.Text });
        var names = new List<string>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
            names.Add(r.GetString(0));
        return names;
    }
}
