// Reads a page of candles for one instrument and interval and writes the `{ data, metadata }` JSON answer;
// fill=true forward-fills empty intervals from the last close at query time (never stored).
using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Pipeline.Schemas;
using Pipeline.Schemas.V1;

namespace Pipeline.Api;

public sealed class CandleReader(NpgsqlDataSource db, TimeProvider clock)
{
    public const string CursorKind = "candles";

    /// <summary>Writes the answer: from the store's window when it had one, else read from PostgreSQL.</summary>
    public async Task WriteAsync(HttpResponse response, CandleRead read, CancellationToken ct)
    {
        var (request, version) = (read.Request, read.Version);
        var window =
            read.Window
            ?? await ReadAsync(read.InstrumentId, request.Interval, request.Range, request.From, request.Fill, request.Source, version, ct);
        await WriteAsync(response, read.Instrument, request.Interval, window, request.Fill, request.Source, version, ct);
    }

    /// <summary>The same window from PostgreSQL (the store's fallback, and the only path when the store is off).</summary>
    private async Task<CandleWindow> ReadAsync(
        int instrumentId,
        CandleInterval interval,
        HistoryRange range,
        long? from,
        bool fill,
        short source,
        string version,
        CancellationToken ct
    )
    {
        if (range.Latest)
            range = range with
            {
                StartUs =
                    await LatestStartAsync(instrumentId, interval.Name, source, version, range, ct) ?? range.EndUs - interval.DurationUs,
            };
        var first = from ?? interval.FirstOpenAtOrAfter(range.StartUs); // first whole interval at or after start
        var rows = new List<StoredCandle>(Math.Min(range.Limit + 1, 4096));
        await using (
            var cmd = db.CreateCommand(
                """
                SELECT time, open, high, low, close, volume, quote_volume, trade_count, closed, revision,
                       taker_buy_volume, taker_buy_quote_volume, vwap, first_trade_id, last_trade_id FROM candles
                WHERE version = $7 AND instrument_id = $1 AND interval = $2 AND source = $3 AND time >= $4 AND time < $5
                ORDER BY time LIMIT $6
                """
            )
        )
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
                var time = ApiTime.ToMicroseconds(r.GetDateTime(0));
                var close = r.GetDecimal(4);
                var closed = r.GetBoolean(8);
                var revision = r.GetInt32(9);
                var json = CandleJson.Render(
                    time,
                    r.GetDecimal(1),
                    r.GetDecimal(2),
                    r.GetDecimal(3),
                    close,
                    r.GetDecimal(5),
                    r.GetDecimal(6),
                    r.GetInt64(7),
                    r.IsDBNull(10) ? null : r.GetDecimal(10),
                    r.IsDBNull(11) ? null : r.GetDecimal(11),
                    r.IsDBNull(12) ? null : r.GetDecimal(12),
                    r.IsDBNull(13) ? null : r.GetInt64(13),
                    r.IsDBNull(14) ? null : r.GetInt64(14),
                    closed,
                    revision,
                    filled: false
                );
                rows.Add(new StoredCandle(time, close, closed, revision, json));
            }
        }
        var previousClose = fill ? await PreviousCloseAsync(instrumentId, interval.Name, source, version, first, ct) : null;
        return new CandleWindow(range, first, rows, previousClose);
    }

    private async Task WriteAsync(
        HttpResponse response,
        InstrumentRef instrument,
        CandleInterval interval,
        CandleWindow window,
        bool fill,
        short source,
        string version,
        CancellationToken ct
    )
    {
        var (range, first, rows, lastClose) = (window.Range, window.FirstUs, window.Rows, window.PreviousClose);
        var step = interval.DurationUs;
        List<StoredCandle> page;
        long? next = null;
        if (!fill)
        {
            page = rows.Count > range.Limit ? rows.GetRange(0, range.Limit) : rows;
            if (rows.Count > range.Limit)
                next = rows[range.Limit].TimeUs;
        }
        else
        {
            // Only intervals that have begun are filled: a future interval has no "last close" yet.
            var nowUs = ApiTime.ToMicroseconds(clock.GetUtcNow().UtcDateTime);
            var fillEnd = Math.Min(range.EndUs, interval.OpenTimeOf(nowUs) + step);
            page = new List<StoredCandle>(Math.Min(range.Limit, 4096));
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
                    var closed = slot + step <= nowUs;
                    page.Add(
                        new StoredCandle(
                            slot,
                            close,
                            closed,
                            0,
                            CandleJson.Render(
                                slot,
                                close,
                                close,
                                close,
                                close,
                                0m,
                                0m,
                                0,
                                null,
                                null,
                                null,
                                null,
                                null,
                                closed,
                                0,
                                filled: true
                            )
                        )
                    );
                    slot += step;
                }
                else if (i < rows.Count)
                    slot = rows[i].TimeUs; // nothing to fill from yet: jump to the first real candle
                else
                    break;
            }
            if (page.Count == range.Limit && (i < rows.Count || (slot < fillEnd && lastClose is not null)))
                next = i < rows.Count && rows[i].TimeUs < slot ? rows[i].TimeUs : slot;
        }

        response.ContentType = "application/json; charset=utf-8";
        // Headers first: a body written before them is held in buffers of its own and copied once more when they go.
        await response.StartAsync(ct);
        // The answer is the compact JSON a Utf8JsonWriter would write, with each candle's pre-rendered object copied in
        // as it is (CandleFieldsTests holds the exact bytes).
        var body = response.BodyWriter;
        body.Write("{\"data\":["u8);
        WriteRows(body, page);
        body.Write("],\"metadata\":"u8);
        await using (var w = new Utf8JsonWriter(body))
        {
            w.WriteStartObject();
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
            if (next is { } n)
                w.WriteString("next_cursor", ApiCursor.Encode(CursorKind, n.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            else
                w.WriteNull("next_cursor");
            w.WriteEndObject();
        }
        body.Write("}"u8);
        await body.FlushAsync(ct);
    }

    /// <summary>The candles' objects, comma-separated, a whole output block at a time: every GetSpan and Advance of a
    /// started response takes Kestrel's lock (one pair per candle cost more than the copying).</summary>
    private static void WriteRows(PipeWriter body, List<StoredCandle> page)
    {
        var span = body.GetSpan();
        var used = 0;
        for (var i = 0; i < page.Count; i++)
        {
            var json = page[i].Json;
            if (span.Length - used < json.Length + 1)
            {
                body.Advance(used);
                span = body.GetSpan(json.Length + 1);
                used = 0;
            }
            if (i > 0)
                span[used++] = (byte)',';
            json.CopyTo(span[used..]);
            used += json.Length;
        }
        body.Advance(used);
    }

    /// <summary>The time of the oldest of the <c>limit</c> latest candles before end (null when there are none).</summary>
    private async Task<long?> LatestStartAsync(
        int instrumentId,
        string interval,
        short source,
        string version,
        HistoryRange range,
        CancellationToken ct
    )
    {
        await using var cmd = db.CreateCommand(
            """
            SELECT min(time) FROM (SELECT time FROM candles
                WHERE version = $6 AND instrument_id = $1 AND interval = $2 AND source = $3 AND time < $4
                ORDER BY time DESC LIMIT $5) latest
            """
        );
        cmd.Parameters.Add(new() { Value = instrumentId, NpgsqlDbType = NpgsqlDbType.Integer });
        cmd.Parameters.Add(new() { Value = interval, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = source, NpgsqlDbType = NpgsqlDbType.Smallint });
        cmd.Parameters.Add(new() { Value = ApiTime.ToDateTime(range.EndUs), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        cmd.Parameters.Add(new() { Value = range.Limit, NpgsqlDbType = NpgsqlDbType.Integer });
        cmd.Parameters.Add(new() { Value = version, NpgsqlDbType = NpgsqlDbType.Text });
        return await cmd.ExecuteScalarAsync(ct) is DateTime t ? ApiTime.ToMicroseconds(t) : null;
    }

    private async Task<decimal?> PreviousCloseAsync(
        int instrumentId,
        string interval,
        short source,
        string version,
        long beforeUs,
        CancellationToken ct
    )
    {
        await using var cmd = db.CreateCommand(
            """
            SELECT close FROM candles WHERE version = $5 AND instrument_id = $1 AND interval = $2 AND source = $3 AND time < $4
            ORDER BY time DESC LIMIT 1
            """
        );
        cmd.Parameters.Add(new() { Value = instrumentId, NpgsqlDbType = NpgsqlDbType.Integer });
        cmd.Parameters.Add(new() { Value = interval, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = source, NpgsqlDbType = NpgsqlDbType.Smallint });
        cmd.Parameters.Add(new() { Value = ApiTime.ToDateTime(beforeUs), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        cmd.Parameters.Add(new() { Value = version, NpgsqlDbType = NpgsqlDbType.Text });
        return await cmd.ExecuteScalarAsync(ct) is decimal d ? d : null;
    }

    public static string Text(decimal d) => d.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
