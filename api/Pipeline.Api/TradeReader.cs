// GET /trades: the stored trades of one instrument in (time, trade id) order, paged by cursor.
using System.Globalization;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Pipeline.Schemas.V1;

namespace Pipeline.Api;

public sealed class TradeReader(NpgsqlDataSource db)
{
    public const string CursorKind = "trades";

    private readonly record struct Row(long TimeUs, long TradeId, decimal Price, decimal Size, short Aggressor, short Origin);

    public async Task WriteAsync(
        HttpResponse response,
        int instrumentId,
        InstrumentRef instrument,
        HistoryRange range,
        string? cursor,
        CancellationToken ct
    )
    {
        (long TimeUs, long TradeId)? after = null;
        if (cursor is not null)
        {
            var parts = cursor.Split(':');
            if (
                parts.Length != 2
                || !long.TryParse(parts[0], out var t)
                || !long.TryParse(parts[1], out var id)
                || t < range.StartUs
                || t >= range.EndUs
            )
                throw ApiCursor.Invalid();
            after = (t, id);
        }
        // Latest: the newest trades before end, read backwards and turned around, so old history answers too.
        var order = range.Latest ? "time DESC, trade_id DESC" : "time, trade_id";
        await using var cmd = db.CreateCommand(
            "SELECT time, trade_id, price, size, aggressor, origin FROM trades WHERE instrument_id = $1 AND time >= $2 AND time < $3"
                + (after is null ? "" : " AND (time, trade_id) > ($5, $6)")
                + $" ORDER BY {order} LIMIT $4"
        );
        cmd.Parameters.Add(new() { Value = instrumentId, NpgsqlDbType = NpgsqlDbType.Integer });
        cmd.Parameters.Add(new() { Value = ApiTime.ToDateTime(range.StartUs), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        cmd.Parameters.Add(new() { Value = ApiTime.ToDateTime(range.EndUs), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        cmd.Parameters.Add(new() { Value = range.RowsToRead, NpgsqlDbType = NpgsqlDbType.Integer });
        if (after is { } a)
        {
            cmd.Parameters.Add(new() { Value = ApiTime.ToDateTime(a.TimeUs), NpgsqlDbType = NpgsqlDbType.TimestampTz });
            cmd.Parameters.Add(new() { Value = a.TradeId, NpgsqlDbType = NpgsqlDbType.Bigint });
        }
        var rows = new List<Row>();
        await using (var r = await cmd.ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct))
                rows.Add(
                    new Row(
                        ApiTime.ToMicroseconds(r.GetDateTime(0)),
                        r.GetInt64(1),
                        r.GetDecimal(2),
                        r.GetDecimal(3),
                        r.GetInt16(4),
                        r.GetInt16(5)
                    )
                );
        }
        var (more, start) = range.ShapePage(rows, r => r.TimeUs);
        response.ContentType = "application/json; charset=utf-8";
        await using var w = new Utf8JsonWriter(response.BodyWriter);
        w.WriteStartObject();
        w.WriteStartArray("data");
        foreach (var t in rows)
        {
            w.WriteStartObject();
            w.WriteString("time", ApiTime.Format(t.TimeUs));
            w.WriteNumber("trade_id", t.TradeId);
            w.WriteString("price", CandleReader.Text(t.Price));
            w.WriteString("size", CandleReader.Text(t.Size));
            switch (t.Aggressor)
            {
                case (short)AggressorSide.Buy:
                    w.WriteString("side", "buy");
                    break;
                case (short)AggressorSide.Sell:
                    w.WriteString("side", "sell");
                    break;
                default:
                    w.WriteNull("side");
                    break;
            }
            w.WriteString(
                "origin",
                ((Origin)t.Origin) switch
                {
                    Origin.Live => "live",
                    Origin.Backfill => "backfill",
                    Origin.Import => "import",
                    Origin.Simulated => "simulated",
                    _ => "unspecified",
                }
            );
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartObject("metadata");
        HistoryJson.WriteInstrument(w, instrument);
        w.WriteString("start", ApiTime.Format(start));
        w.WriteString("end", ApiTime.Format(range.EndUs));
        w.WriteNumber("limit", range.Limit);
        w.WriteNumber("count", rows.Count);
        if (more)
            w.WriteString(
                "next_cursor",
                ApiCursor.Encode(CursorKind, string.Create(CultureInfo.InvariantCulture, $"{rows[^1].TimeUs}:{rows[^1].TradeId}"))
            );
        else
            w.WriteNull("next_cursor");
        w.WriteEndObject();
        w.WriteEndObject();
        await w.FlushAsync(ct);
        // Utf8JsonWriter only advances the PipeWriter; flush it so wrapped bodies (output cache) see the bytes.
        await response.BodyWriter.FlushAsync(ct);
    }
}
