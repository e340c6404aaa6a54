// GET /indicators: stored indicator values of one instrument and interval in (time, indicator) order, paged by cursor.
using System.Globalization;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Pipeline.Schemas.V1;

namespace Pipeline.Api;

public sealed class IndicatorReader(NpgsqlDataSource db)
{
    public const string CursorKind = "indicators";

    public async Task WriteAsync(HttpResponse response, int instrumentId, InstrumentRef instrument, CandleInterval interval, string? indicator,
        HistoryRange range, string? cursor, CancellationToken ct)
    {
        (long TimeUs, string Indicator)? after = null;
        if (cursor is not null)
        {
            var colon = cursor.IndexOf(':');
            if (colon <= 0 || !long.TryParse(cursor[..colon], out var t) || t < range.StartUs || t >= range.EndUs) throw ApiCursor.Invalid();
            after = (t, cursor[(colon + 1)..]);
        }
        await using var cmd = db.CreateCommand(
            "SELECT time, indicator, fields::text, candle_revision FROM indicators WHERE instrument_id = $1 AND interval = $2 AND time >= $3 AND time < $4" +
            (indicator is null ? " AND $6::text IS NULL" : " AND indicator = $6") +
            (after is null ? "" : " AND (time, indicator) > ($7, $8)") + " ORDER BY time, indicator LIMIT $5");
        cmd.Parameters.Add(new() { Value = instrumentId, NpgsqlDbType = NpgsqlDbType.Integer });
        cmd.Parameters.Add(new() { Value = interval.Name, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = ApiTime.ToDateTime(range.StartUs), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        cmd.Parameters.Add(new() { Value = ApiTime.ToDateTime(range.EndUs), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        cmd.Parameters.Add(new() { Value = range.Limit + 1, NpgsqlDbType = NpgsqlDbType.Integer });
        cmd.Parameters.Add(new() { Value = (object?)indicator ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        if (after is { } a)
        {
            cmd.Parameters.Add(new() { Value = ApiTime.ToDateTime(a.TimeUs), NpgsqlDbType = NpgsqlDbType.TimestampTz });
            cmd.Parameters.Add(new() { Value = a.Indicator, NpgsqlDbType = NpgsqlDbType.Text });
        }
        await using var r = await cmd.ExecuteReaderAsync(ct);
        response.ContentType = "application/json; charset=utf-8";
        await using var w = new Utf8JsonWriter(response.BodyWriter);
        w.WriteStartObject();
        w.WriteStartArray("data");
        var count = 0;
        (long, string) last = default;
        var more = false;
        while (await r.ReadAsync(ct))
        {
            if (count == range.Limit) { more = true; break; }
            var time = ApiTime.ToMicroseconds(r.GetDateTime(0));
            last = (time, r.GetString(1));
            w.WriteStartObject();
            w.WriteString("time", ApiTime.Format(time));
            w.WriteString("indicator", last.Item2);
            w.WritePropertyName("values");
            w.WriteRawValue(r.GetString(2), skipInputValidation: true);
            w.WriteNumber("candle_revision", r.GetInt32(3));
            w.WriteEndObject();
            count++;
        }
        w.WriteEndArray();
        w.WriteStartObject("metadata");
        HistoryJson.WriteInstrument(w, instrument);
        w.WriteString("interval", interval.Name);
        if (indicator is null) w.WriteNull("indicator"); else w.WriteString("indicator", indicator);
        w.WriteString("start", ApiTime.Format(range.StartUs));
        w.WriteString("end", ApiTime.Format(range.EndUs));
        w.WriteNumber("limit", range.Limit);
        w.WriteNumber("count", count);
        if (more) w.WriteString("next_cursor", ApiCursor.Encode(CursorKind, string.Create(CultureInfo.InvariantCulture, $"{last.Item1}:{last.Item2}")));
        else w.WriteNull("next_cursor");
        w.WriteEndObject();
        w.WriteEndObject();
        await w.FlushAsync(ct);
        // Utf8JsonWriter only advances the PipeWriter; flush it so wrapped bodies (output cache) see the bytes.
        await response.BodyWriter.FlushAsync(ct);
    }
}
