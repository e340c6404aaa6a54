// Reads a page of candles for one instrument and interval and writes the `{ data, metadata }` JSON answer;
// fill=true forward-fills empty intervals from the last close at query time (never stored).
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Pipeline.Schemas.V1;
using Pipeline.Schemas;

namespace Pipeline.Api;

public sealed class CandleReader(NpgsqlDataSource db, TimeProvider clock)
{
    public const string CursorKind = "candles";

    private readonly record struct Row(long TimeUs, decimal Open, decimal High, decimal Low, decimal Close, decimal Volume,
        decimal QuoteVolume, long TradeCount, bool Closed, int Revision, bool Filled, CandleExtras? Extras);

    /// <summary>The fields a venue may not report (null then): taker-buy volumes, VWAP, first/last trade id.</summary>
    private sealed record CandleExtras(decimal? TakerBuyVolume, decimal? TakerBuyQuoteVolume, decimal? Vwap, long? FirstTradeId, long? LastTradeId);

    public async Task WriteAsync(HttpResponse response, int instrumentId, InstrumentRef instrument, CandleInterval interval,
        HistoryRange range, long? from, bool fill, short source, string version, CancellationToken ct)
    {
        var step = interval.DurationUs;
        if (range.Latest)
            range = range with { StartUs = await LatestStartAsync(instrumentId, interval.Name, source, version, range, ct) ?? range.EndUs - step };
        var first = interval.FirstOpenAtOrAfter(range.StartUs); // first whole interval at or after start
        if (from is { } f) first = f;
        var rows = new List<Row>(Math.Min(range.Limit + 1, 4096));
        await using (var cmd = db.CreateCommand(
            """
            SELECT time, open, high, low, close, volume, quote_volume, trade_count, closed, revision,
                   taker_buy_volume, taker_buy_quote_volume, vwap, first_trade_id, last_trade_id FROM candles
            WHERE version = $7 AND instrument_id = $1 AND interval = $2 AND source = $3 AND time >= $4 AND time < $5
            ORDER BY time LIMIT $6
            """))
        {
            cmd.Parameters.Add(new() { Value = instrumentId, NpgsqlDbType = NpgsqlDbType.Integer });
            cmd.Parameters.Add(new() { Value = interval.Name, NpgsqlDbType = NpgsqlDbType.Text });
            cmd.Parameters.Add(new() { Value = source, NpgsqlDbType = NpgsqlDbType.Smallint });
            cmd.Parameters.Add(new() { Value = ApiTime.ToDateTime(first), NpgsqlDbType = NpgsqlDbType.TimestampTz });
            cmd.Parameters.Add(new() { Value = ApiTime.ToDateTime(range.EndUs), NpgsqlDbType = NpgsqlDbType.TimestampTz });
            cmd.Parameters.Add(new() { Value = range.Limit + 1, NpgsqlDbType = NpgsqlDbType.Integer });
            cmd.Parameters.Add(new() { Value = version, NpgsqlDbType = NpgsqlDbType.Text });
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                var extras = new CandleExtras(
                    r.IsDBNull(10) ? null : r.GetDecimal(10),
                    r.IsDBNull(11) ? null : r.GetDecimal(11),
                    r.IsDBNull(12) ? null : r.GetDecimal(12),
                    r.IsDBNull(13) ? null : r.GetInt64(13),
                    r.IsDBNull(14) ? null : r.GetInt64(14));
                rows.Add(new Row(ApiTime.ToMicroseconds(r.GetDateTime(0)), r.GetDecimal(1), r.GetDecimal(2), r.GetDecimal(3), r.GetDecimal(4),
                    r.GetDecimal(5), r.GetDecimal(6), r.GetInt64(7), r.GetBoolean(8), r.GetInt32(9), false, extras));
            }
        }

        List<Row> page;
        long? next = null;
        if (!fill)
        {
            page = rows.Count > range.Limit ? rows.GetRange(0, range.Limit) : rows;
            if (rows.Count > range.Limit) next = rows[range.Limit].TimeUs;
        }
        else
        {
            decimal? lastClose = await PreviousCloseAsync(instrumentId, interval.Name, source, version, first, ct);
            // Only intervals that have begun are filled: a future interval has no "last close" yet.
            var nowUs = ApiTime.ToMicroseconds(clock.GetUtcNow().UtcDateTime);
            var fillEnd = Math.Min(range.EndUs, interval.OpenTimeOf(nowUs) + step);
            page = new List<Row>(Math.Min(range.Limit, 4096));
            var i = 0;
            var slot = first;
            while (page.Count < range.Limit)
            {
                if (i < rows.Count && rows[i].TimeUs <= slot)
                {
                    page.Add(rows[i]);
                    lastClose = rows[i].Close;
                    slot = rows[i].TimeUs + step;
                    i++;
                }
                else if (slot < fillEnd && lastClose is { } close)
                {
                    page.Add(new Row(slot, close, close, close, close, 0m, 0m, 0, slot + step <= nowUs, 0, true, null));
                    slot += step;
                }
                else if (i < rows.Count) slot = rows[i].TimeUs; // nothing to fill from yet: jump to the first real candle
                else break;
            }
            if (page.Count == range.Limit && (i < rows.Count || (slot < fillEnd && lastClose is not null)))
                next = i < rows.Count && rows[i].TimeUs < slot ? rows[i].TimeUs : slot;
        }

        response.ContentType = "application/json; charset=utf-8";
        await using var w = new Utf8JsonWriter(response.BodyWriter);
        w.WriteStartObject();
        w.WriteStartArray("data");
        foreach (var c in page)
        {
            w.WriteStartObject();
            w.WriteString("time", ApiTime.Format(c.TimeUs));
            w.WriteString("open", Text(c.Open));
            w.WriteString("high", Text(c.High));
            w.WriteString("low", Text(c.Low));
            w.WriteString("close", Text(c.Close));
            w.WriteString("volume", Text(c.Volume));
            w.WriteString("quote_volume", Text(c.QuoteVolume));
            w.WriteNumber("trade_count", c.TradeCount);
            WriteDecimal(w, "taker_buy_volume", c.Extras?.TakerBuyVolume);
            WriteDecimal(w, "taker_buy_quote_volume", c.Extras?.TakerBuyQuoteVolume);
            WriteDecimal(w, "vwap", c.Extras?.Vwap);
            WriteLong(w, "first_trade_id", c.Extras?.FirstTradeId);
            WriteLong(w, "last_trade_id", c.Extras?.LastTradeId);
            w.WriteBoolean("closed", c.Closed);
            w.WriteNumber("revision", c.Revision);
            w.WriteBoolean("filled", c.Filled);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartObject("metadata");
        w.WriteString("exchange", instrument.Exchange);
        w.WriteString("base", instrument.Base);
        w.WriteString("quote", instrument.Quote);
        w.WriteString("market", InstrumentRef.MarketName(instrument.Market));
        w.WriteString("interval", interval.Name);
        w.WriteString("source", source == (short)CandleSource.Exchange ? "exchange" : "aggregated");
        w.WriteString("start", ApiTime.Format(range.StartUs));
        w.WriteString("end", ApiTime.Format(range.EndUs));
        w.WriteNumber("limit", range.Limit);
        w.WriteNumber("count", page.Count);
        w.WriteBoolean("fill", fill);
        w.WriteString("version", version);
        if (next is { } n) w.WriteString("next_cursor", ApiCursor.Encode(CursorKind, n.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        else w.WriteNull("next_cursor");
        w.WriteEndObject();
        w.WriteEndObject();
        await w.FlushAsync(ct);
        // Utf8JsonWriter only advances the PipeWriter; flush it so wrapped bodies (output cache) see the bytes.
        await response.BodyWriter.FlushAsync(ct);
    }

    private static void WriteDecimal(Utf8JsonWriter w, string name, decimal? value)
    {
        if (value is { } v) w.WriteString(name, Text(v));
        else w.WriteNull(name);
    }

    private static void WriteLong(Utf8JsonWriter w, string name, long? value)
    {
        if (value is { } v) w.WriteNumber(name, v);
        else w.WriteNull(name);
    }

    /// <summary>The time of the oldest of the <c>limit</c> latest candles before end (null when there are none).</summary>
    private async Task<long?> LatestStartAsync(int instrumentId, string interval, short source, string version, HistoryRange range, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand(
            """
            SELECT min(time) FROM (SELECT time FROM candles
                WHERE version = $6 AND instrument_id = $1 AND interval = $2 AND source = $3 AND time < $4 ORDER BY time DESC LIMIT $5) latest
            """);
        cmd.Parameters.Add(new() { Value = instrumentId, NpgsqlDbType = NpgsqlDbType.Integer });
        cmd.Parameters.Add(new() { Value = interval, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = source, NpgsqlDbType = NpgsqlDbType.Smallint });
        cmd.Parameters.Add(new() { Value = ApiTime.ToDateTime(range.EndUs), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        cmd.Parameters.Add(new() { Value = range.Limit, NpgsqlDbType = NpgsqlDbType.Integer });
        cmd.Parameters.Add(new() { Value = version, NpgsqlDbType = NpgsqlDbType.Text });
        return await cmd.ExecuteScalarAsync(ct) is DateTime t ? ApiTime.ToMicroseconds(t) : null;
    }

    private async Task<decimal?> PreviousCloseAsync(int instrumentId, string interval, short source, string version, long beforeUs, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand(
            "SELECT close FROM candles WHERE version = $5 AND instrument_id = $1 AND interval = $2 AND source = $3 AND time < $4 ORDER BY time DESC LIMIT 1");
        cmd.Parameters.Add(new() { Value = instrumentId, NpgsqlDbType = NpgsqlDbType.Integer });
        cmd.Parameters.Add(new() { Value = interval, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = source, NpgsqlDbType = NpgsqlDbType.Smallint });
        cmd.Parameters.Add(new() { Value = ApiTime.ToDateTime(beforeUs), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        cmd.Parameters.Add(new() { Value = version, NpgsqlDbType = NpgsqlDbType.Text });
        return await cmd.ExecuteScalarAsync(ct) is decimal d ? d : null;
    }

    public static string Text(decimal d) => d.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
