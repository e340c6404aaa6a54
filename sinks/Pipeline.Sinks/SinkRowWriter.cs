// Writes one batch in one database transaction: trades by binary COPY, candles and indicators by COPY into a
// staging table plus an upsert that keeps the highest revision, and (through the positions store) the Kafka
// positions the batch reached.
using System.Buffers;
using System.Text.Json;
using Confluent.Kafka;
using Npgsql;
using NpgsqlTypes;
using Pipeline.Schemas;
using Pipeline.Schemas.V1;

namespace Pipeline.Sinks;

/// <param name="version">The version column of every candle and indicator row written (ADR 0006).</param>
internal sealed class SinkRowWriter(SinkPositions positions, string version)
{
    private readonly InstrumentDirectory _instruments = new();
    private readonly HashSet<(string Table, DateOnly Day)> _partitions = new();

    public const string StagingTablesSql = """
        CREATE TEMP TABLE IF NOT EXISTS sink_candles_stage (
            time timestamptz, instrument_id integer, interval text, source smallint,
            open numeric, high numeric, low numeric, close numeric, volume numeric, quote_volume numeric,
            trade_count bigint, taker_buy_volume numeric, taker_buy_quote_volume numeric, vwap numeric,
            first_trade_id bigint, last_trade_id bigint, closed boolean, revision integer) ON COMMIT DELETE ROWS;
        CREATE TEMP TABLE IF NOT EXISTS sink_indicators_stage (
            time timestamptz, instrument_id integer, interval text, indicator text, fields jsonb,
            candle_revision integer) ON COMMIT DELETE ROWS;
        """;

    // A closed candle must never be replaced by an older open update: (closed, revision) only moves forward;
    // equal keys (successive open updates, replays) take the newer record.
    private const string UpsertCandlesSql = """
        INSERT INTO candles (version, time, instrument_id, interval, source, open, high, low, close, volume, quote_volume,
            trade_count, taker_buy_volume, taker_buy_quote_volume, vwap, first_trade_id, last_trade_id, closed, revision, updated_at)
        SELECT $1, time, instrument_id, interval, source, open, high, low, close, volume, quote_volume,
            trade_count, taker_buy_volume, taker_buy_quote_volume, vwap, first_trade_id, last_trade_id, closed, revision, now()
        FROM sink_candles_stage
        ON CONFLICT (version, instrument_id, interval, source, time) DO UPDATE SET
            open = EXCLUDED.open, high = EXCLUDED.high, low = EXCLUDED.low, close = EXCLUDED.close,
            volume = EXCLUDED.volume, quote_volume = EXCLUDED.quote_volume, trade_count = EXCLUDED.trade_count,
            taker_buy_volume = EXCLUDED.taker_buy_volume, taker_buy_quote_volume = EXCLUDED.taker_buy_quote_volume,
            vwap = EXCLUDED.vwap, first_trade_id = EXCLUDED.first_trade_id, last_trade_id = EXCLUDED.last_trade_id,
            closed = EXCLUDED.closed, revision = EXCLUDED.revision, updated_at = now()
        WHERE (candles.closed, candles.revision) <= (EXCLUDED.closed, EXCLUDED.revision)
        """;

    private const string UpsertIndicatorsSql = """
        INSERT INTO indicators (version, time, instrument_id, interval, indicator, fields, candle_revision, updated_at)
        SELECT $1, time, instrument_id, interval, indicator, fields, candle_revision, now() FROM sink_indicators_stage
        ON CONFLICT (version, instrument_id, interval, indicator, time) DO UPDATE SET
            fields = EXCLUDED.fields, candle_revision = EXCLUDED.candle_revision, updated_at = now()
        WHERE indicators.candle_revision <= EXCLUDED.candle_revision
        """;

    /// <summary>What the current write is doing (for the stuck-write warning).</summary>
    public volatile string Phase = "idle";

    public static DateTime ToTime(long microseconds) => new UnixMicros(microseconds).ToDateTime();

    /// <summary>Writes the batch and its positions atomically. <paramref name="stored"/> holds what this sink believes
    /// the positions table says; if another writer moved a position, nothing is written and
    /// <see cref="SinkOwnershipLostException"/> is thrown.</summary>
    public async Task WriteAsync(
        NpgsqlConnection conn,
        SinkBatch batch,
        IReadOnlyDictionary<TopicPartition, long> stored,
        CancellationToken ct
    )
    {
        var slices = batch.Slices;
        Phase = "resolving instruments";
        // Distinct instruments and days were collected per slice while consuming (no pass over every row here).
        await _instruments.ResolveAsync(conn, slices.Values.SelectMany(s => s.InstrumentsSeen), ct);
        Phase = "creating partitions";
        await EnsurePartitionsAsync(conn, "trades", slices.Values.SelectMany(s => s.TradeDays), ct);
        await EnsurePartitionsAsync(conn, "candles", slices.Values.SelectMany(s => s.CandleDays), ct);

        Phase = "beginning";
        await using var tx = await conn.BeginTransactionAsync(ct);
        Phase = "claiming positions";
        await positions.ClaimAsync(conn, tx, slices, stored, ct);
        Phase = "copying trades";
        await CopyTradesAsync(conn, slices.Values, ct);
        Phase = "upserting candles";
        await UpsertCandlesAsync(conn, tx, slices.Values, ct);
        Phase = "upserting indicators";
        await UpsertIndicatorsAsync(conn, tx, slices.Values, ct);
        Phase = "committing";
        await tx.CommitAsync(ct);
        Phase = "idle";
    }

    private async Task EnsurePartitionsAsync(NpgsqlConnection conn, string table, IEnumerable<long> dayNumbers, CancellationToken ct)
    {
        // Day by day (not min..max): one bogus far-away time must not create thousands of partitions.
        var days = dayNumbers
            .Distinct()
            .Select(d => DateOnly.FromDateTime(ToTime(d * PartitionSlice.DayUs)))
            .Where(d => !_partitions.Contains((table, d)))
            .ToList();
        if (days.Count == 0)
            return;
        await using var cmd = new NpgsqlCommand(
            "SELECT count(pipeline_ensure_day_partitions($1::regclass, d, d)) FROM unnest($2::timestamptz[]) AS d",
            conn
        );
        cmd.Parameters.Add(new() { Value = table });
        cmd.Parameters.Add(new() { Value = days.Select(d => d.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc)).ToArray() });
        await cmd.ExecuteScalarAsync(ct);
        foreach (var d in days)
            _partitions.Add((table, d));
    }

    private async Task CopyTradesAsync(NpgsqlConnection conn, IEnumerable<PartitionSlice> slices, CancellationToken ct)
    {
        if (!slices.Any(s => s.Trades.Count > 0))
            return;
        await using var copy = await conn.BeginBinaryImportAsync(
            "COPY trades (time, instrument_id, trade_id, price, size, aggressor, receive_time, origin) FROM STDIN (FORMAT BINARY)",
            ct
        );
        // Synchronous writes: they only fill Npgsql's buffer (flushed when full); per-value awaits cost ~30% here.
        foreach (var slice in slices)
        {
            var ids = slice.InstrumentsSeen.Select(i => _instruments[i]).ToArray();
            foreach (ref readonly var t in System.Runtime.InteropServices.CollectionsMarshal.AsSpan(slice.Trades))
            {
                copy.StartRow();
                copy.Write(ToTime(t.EventTimeUs), NpgsqlDbType.TimestampTz);
                copy.Write(ids[t.InstrumentIndex], NpgsqlDbType.Integer);
                copy.Write(t.TradeId, NpgsqlDbType.Bigint);
                copy.Write(t.Price, NpgsqlDbType.Numeric);
                copy.Write(t.Size, NpgsqlDbType.Numeric);
                copy.Write(t.Aggressor, NpgsqlDbType.Smallint);
                if (t.ReceiveTimeUs > 0)
                    copy.Write(ToTime(t.ReceiveTimeUs), NpgsqlDbType.TimestampTz);
                else
                    copy.WriteNull();
                copy.Write(t.Origin, NpgsqlDbType.Smallint);
            }
        }
        await copy.CompleteAsync(ct);
    }

    private async Task UpsertCandlesAsync(
        NpgsqlConnection conn,
        NpgsqlTransaction tx,
        IEnumerable<PartitionSlice> slices,
        CancellationToken ct
    )
    {
        // One row per key: ON CONFLICT cannot touch the same row twice in one statement. Within a partition the
        // records are in Kafka order, so a later record with an equal (closed, revision) replaces an earlier one.
        var latest = new Dictionary<(int, string, int, long), Candle>();
        foreach (var slice in slices)
        foreach (var c in slice.Candles)
        {
            var key = (_instruments[c.Instrument], c.Interval, SourceOf(c), c.OpenTimeUs);
            if (!latest.TryGetValue(key, out var old) || (old.Closed, old.Revision).CompareTo((c.Closed, c.Revision)) <= 0)
                latest[key] = c;
        }
        if (latest.Count == 0)
            return;
        await using (
            var copy = await conn.BeginBinaryImportAsync(
                "COPY sink_candles_stage (time, instrument_id, interval, source, open, high, low, close, volume, quote_volume, "
                    + "trade_count, "
                    + "taker_buy_volume, taker_buy_quote_volume, vwap, first_trade_id, last_trade_id, closed, revision) "
                    + "FROM STDIN (FORMAT BINARY)",
                ct
            )
        )
        {
            foreach (var ((id, interval, source, time), c) in latest)
            {
                copy.StartRow();
                copy.Write(ToTime(time), NpgsqlDbType.TimestampTz);
                copy.Write(id, NpgsqlDbType.Integer);
                copy.Write(interval, NpgsqlDbType.Text);
                copy.Write((short)source, NpgsqlDbType.Smallint);
                copy.Write(c.Open.ToDecimal(), NpgsqlDbType.Numeric);
                copy.Write(c.High.ToDecimal(), NpgsqlDbType.Numeric);
                copy.Write(c.Low.ToDecimal(), NpgsqlDbType.Numeric);
                copy.Write(c.Close.ToDecimal(), NpgsqlDbType.Numeric);
                copy.Write(c.Volume?.ToDecimal() ?? 0m, NpgsqlDbType.Numeric);
                copy.Write(c.QuoteVolume?.ToDecimal() ?? 0m, NpgsqlDbType.Numeric);
                copy.Write(c.TradeCount, NpgsqlDbType.Bigint);
                WriteOptional(copy, c.TakerBuyVolume);
                WriteOptional(copy, c.TakerBuyQuoteVolume);
                WriteOptional(copy, c.Vwap);
                if (c.FirstTradeId != 0)
                    copy.Write(c.FirstTradeId, NpgsqlDbType.Bigint);
                else
                    copy.WriteNull();
                if (c.LastTradeId != 0)
                    copy.Write(c.LastTradeId, NpgsqlDbType.Bigint);
                else
                    copy.WriteNull();
                copy.Write(c.Closed, NpgsqlDbType.Boolean);
                copy.Write(c.Revision, NpgsqlDbType.Integer);
            }
            await copy.CompleteAsync(ct);
        }
        await using var upsert = new NpgsqlCommand(UpsertCandlesSql, conn, tx);
        upsert.Parameters.Add(new() { Value = version, NpgsqlDbType = NpgsqlDbType.Text });
        await upsert.ExecuteNonQueryAsync(ct);
    }

    private async Task UpsertIndicatorsAsync(
        NpgsqlConnection conn,
        NpgsqlTransaction tx,
        IEnumerable<PartitionSlice> slices,
        CancellationToken ct
    )
    {
        var latest = new Dictionary<(int, string, string, long), IndicatorValue>();
        foreach (var slice in slices)
        foreach (var i in slice.Indicators)
        {
            var key = (_instruments[i.Instrument], i.Interval, i.Indicator, i.OpenTimeUs);
            if (!latest.TryGetValue(key, out var old) || old.CandleRevision <= i.CandleRevision)
                latest[key] = i;
        }
        if (latest.Count == 0)
            return;
        var json = new ArrayBufferWriter<byte>();
        await using (
            var copy = await conn.BeginBinaryImportAsync(
                "COPY sink_indicators_stage (time, instrument_id, interval, indicator, fields, candle_revision) FROM STDIN (FORMAT BINARY)",
                ct
            )
        )
        {
            foreach (var ((id, interval, indicator, time), i) in latest)
            {
                copy.StartRow();
                copy.Write(ToTime(time), NpgsqlDbType.TimestampTz);
                copy.Write(id, NpgsqlDbType.Integer);
                copy.Write(interval, NpgsqlDbType.Text);
                copy.Write(indicator, NpgsqlDbType.Text);
                copy.Write(FieldsJson(i, json), NpgsqlDbType.Jsonb);
                copy.Write(i.CandleRevision, NpgsqlDbType.Integer);
            }
            await copy.CompleteAsync(ct);
        }
        await using var upsert = new NpgsqlCommand(UpsertIndicatorsSql, conn, tx);
        upsert.Parameters.Add(new() { Value = version, NpgsqlDbType = NpgsqlDbType.Text });
        await upsert.ExecuteNonQueryAsync(ct);
    }

    /// <summary>{"name": value} with null during warm-up (and for non-finite values, which JSON cannot hold).</summary>
    private static string FieldsJson(IndicatorValue value, ArrayBufferWriter<byte> buffer)
    {
        buffer.ResetWrittenCount();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            foreach (var f in value.Fields)
            {
                if (f.HasValue && double.IsFinite(f.Value))
                    w.WriteNumber(f.Name, f.Value);
                else
                    w.WriteNull(f.Name);
            }
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static int SourceOf(Candle c) => c.Source == CandleSource.Unspecified ? (int)CandleSource.Aggregated : (int)c.Source;

    private static void WriteOptional(NpgsqlBinaryImporter copy, Schemas.V1.Decimal? value)
    {
        if (value is null)
            copy.WriteNull();
        else
            copy.Write(value.ToDecimal(), NpgsqlDbType.Numeric);
    }
}
