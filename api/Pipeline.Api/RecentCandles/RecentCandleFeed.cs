// Fills the recent-candle store: one PostgreSQL snapshot (REPEATABLE READ) of the last Depth candles of every live
// series together with the sink's stored positions in the candles topic, then every candles record from exactly those
// positions on, applied as the sink applies it. Any failure drops the store (requests go to PostgreSQL) and starts over.
// Every 100 ms it reads the sink's stored positions again (with the current version): the store's own consumer may trail
// the sink's, and the store answers only while it has applied at least what the sink has committed.
using System.Diagnostics;
using Confluent.Kafka;
using Google.Protobuf;
using Microsoft.Extensions.Hosting;
using Npgsql;
using NpgsqlTypes;
using Pipeline.Plumbing.Kafka;
using Pipeline.Plumbing.Resilience;
using Pipeline.Plumbing.Serialization;
using Pipeline.Plumbing.Topics;
using Pipeline.Schemas;
using Pipeline.Schemas.V1;

namespace Pipeline.Api.RecentCandles;

public sealed class RecentCandleFeed(
    RecentCandleStore store,
    NpgsqlDataSource db,
    KafkaClientSettings kafka,
    string sinkConsumer,
    ILogger<RecentCandleFeed> log
) : BackgroundService
{
    private static readonly TimeSpan ContactEvery = TimeSpan.FromMilliseconds(500);

    private static readonly TimeSpan CheckEvery = TimeSpan.FromMilliseconds(100);

    // Tests hold the store's consumer back (paused: it fetches nothing, as when a fetch is slow or its thread descheduled)
    // to show the store does not answer behind the sink.
    private volatile bool _hold;
    private volatile TaskCompletionSource? _held;

    protected override Task ExecuteAsync(CancellationToken ct) =>
        store.Enabled
            ? Task.WhenAll(
                Task.Factory.StartNew(() => Run(ct), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default),
                WatchDatabaseAsync(ct)
            )
            : Task.CompletedTask;

    /// <summary>Pauses the store's consumer; completes once it is paused. <see cref="Release"/> resumes it.</summary>
    internal Task HoldAsync(CancellationToken ct)
    {
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _held = held;
        _hold = true;
        return held.Task.WaitAsync(ct);
    }

    internal void Release() => _hold = false;

    /// <summary>Every 100 ms, in one round trip: current_data_version (so a request without ?version= need not read it; a
    /// promote switches it) and the sink's stored positions in the candles topic (the store answers only while it has
    /// applied them).</summary>
    private async Task WatchDatabaseAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                // Taken before the query is sent: every sink commit before it is in what the query reads.
                var started = Stopwatch.GetTimestamp();
                await using var batch = db.CreateBatch();
                batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT version FROM current_data_version"));
                var positions = new NpgsqlBatchCommand(
                    "SELECT partition, next_offset FROM sink_positions WHERE consumer = $1 AND topic = $2"
                );
                positions.Parameters.Add(new() { Value = sinkConsumer, NpgsqlDbType = NpgsqlDbType.Text });
                positions.Parameters.Add(new() { Value = TopicCatalog.Candles.Name, NpgsqlDbType = NpgsqlDbType.Text });
                batch.BatchCommands.Add(positions);
                await using var r = await batch.ExecuteReaderAsync(ct);
                var version = await r.ReadAsync(ct) ? r.GetString(0) : null;
                await r.NextResultAsync(ct);
                var stored = new Dictionary<int, long>();
                while (await r.ReadAsync(ct))
                    stored[r.GetInt32(0)] = r.GetInt64(1);
                store.NoteCurrentVersion(version);
                store.NoteSinkPositions(stored, started);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                // Not noted: past SinkCheckValidFor the store stops answering, past FreshFor requests resolve the version
                // themselves again (and report the database state).
            }
            try
            {
                await Task.Delay(CheckEvery, ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void Run(CancellationToken ct)
    {
        var attempt = 0;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                Follow(ct, () => attempt = 0);
                return;
            }
            catch (Exception) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // Whatever went wrong, requests must not be answered from a store that stopped following the topic.
                store.Unload();
                if (e is not (KafkaException or NpgsqlException or InvalidOperationException or TimeoutException))
                    log.LogError(e, "Recent-candle store failed");
                var delay = Backoff.Delay(++attempt, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(10));
                log.LogWarning(
                    "Recent-candle store is off ({Message}); /candles reads PostgreSQL; retrying in {Delay} ms",
                    e.Message,
                    (int)delay.TotalMilliseconds
                );
                ct.WaitHandle.WaitOne(delay);
            }
        }
    }

    private void Follow(CancellationToken ct, Action loaded)
    {
        var config = kafka.Consumer($"pipeline-api-store-{Environment.ProcessId}", $"pipeline-api-store-{Guid.NewGuid():N}");
        config.EnablePartitionEof = true;
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(config)
            .SetLogHandler((_, m) => log.LogDebug("librdkafka: {Message}", m.Message))
            .Build();
        using var admin = new AdminClientBuilder(kafka.Admin("pipeline-api-store"))
            .SetLogHandler((_, m) => log.LogDebug("librdkafka: {Message}", m.Message))
            .Build();
        var topic = admin.GetMetadata(TopicCatalog.Candles.Name, TimeSpan.FromSeconds(5)).Topics.Single();
        if (topic.Error.IsError || topic.Partitions.Count == 0)
            throw new InvalidOperationException($"topic {TopicCatalog.Candles.Name} is not available: {topic.Error.Reason}");
        var partitions = topic.Partitions.Select(p => new TopicPartition(topic.Topic, p.PartitionId)).ToList();

        log.LogInformation("Recent-candle store: loading the last {Depth} candles of every series", store.Depth);
        var loading = System.Diagnostics.Stopwatch.StartNew();
        var positions = LoadSnapshot(ct);
        // Where the sink has stored nothing yet it reads from the beginning; so does the store.
        var starts = partitions
            .Select(tp => new TopicPartitionOffset(tp, positions.TryGetValue(tp.Partition.Value, out var next) ? next : Offset.Beginning))
            .ToList();
        consumer.Assign(starts);
        loaded();
        log.LogInformation(
            "Recent-candle store loaded {Candles} candles (depth {Depth}) in {Ms} ms; following {Topic} from the sink's positions "
                + "{Positions}",
            store.Count,
            store.Depth,
            loading.ElapsedMilliseconds,
            TopicCatalog.Candles.Name,
            string.Join(", ", starts.Select(s => $"[{s.Partition.Value}]@{s.Offset}"))
        );

        var atEnd = new HashSet<int>();
        var lastContact = DateTime.MinValue;
        var paused = false;
        var sinkSeen = store.SinkStored;
        while (!ct.IsCancellationRequested)
        {
            if (_hold != paused)
            {
                paused = _hold;
                if (paused)
                    consumer.Pause(consumer.Assignment);
                else
                    consumer.Resume(consumer.Assignment);
            }
            if (paused)
                _held?.TrySetResult();
            if (!ReferenceEquals(sinkSeen, store.SinkStored))
            {
                // A partition added to the topic since the store started: it would never cover the sink again; reload.
                sinkSeen = store.SinkStored;
                var unfollowed = sinkSeen.Keys.Where(p => partitions.All(tp => tp.Partition.Value != p)).ToList();
                if (unfollowed.Count > 0)
                    throw new InvalidOperationException(
                        $"the sink has stored positions in {TopicCatalog.Candles.Name} partition(s) {string.Join(", ", unfollowed)}, "
                            + "which the store does not follow"
                    );
            }
            if (DateTime.UtcNow - lastContact > ContactEvery)
            {
                // A cheap broker round trip: an API cut off from the broker must stop answering from memory, since the
                // sink may still be writing.
                consumer.QueryWatermarkOffsets(partitions[0], TimeSpan.FromSeconds(1));
                store.MarkContact();
                lastContact = DateTime.UtcNow;
            }
            var r = consumer.Consume(TimeSpan.FromMilliseconds(100));
            if (r is null) { }
            else if (r.IsPartitionEOF)
            {
                atEnd.Add(r.Partition.Value);
                store.NoteProgress(r.Partition.Value, r.Offset.Value);
            }
            else
            {
                atEnd.Remove(r.Partition.Value);
                Apply(r.Message.Value, r.Message.Headers);
                store.NoteProgress(r.Partition.Value, r.Offset.Value + 1);
            }
            if (atEnd.Count == partitions.Count)
                store.MarkCaughtUp();
        }
        consumer.Close();
    }

    /// <summary>Reads a record exactly as the sink does (same framing, schema-version and content checks); what the sink
    /// dead-letters is skipped.</summary>
    private void Apply(byte[]? bytes, Headers? headers)
    {
        if (bytes is null)
            return;
        var value = RecordValues.Read(bytes, headers);
        if (value.IsFault)
            return;
        try
        {
            var c = Candle.Parser.ParseFrom(value.PayloadArray());
            if (StoredRecordChecks.Candle(c) is not null)
                return;
            decimal? taker = c.TakerBuyVolume?.ToDecimal(),
                takerQuote = c.TakerBuyQuoteVolume?.ToDecimal(),
                vwap = c.Vwap?.ToDecimal();
            long? firstId = c.FirstTradeId != 0 ? c.FirstTradeId : null,
                lastId = c.LastTradeId != 0 ? c.LastTradeId : null;
            var source = c.Source == CandleSource.Unspecified ? (short)CandleSource.Aggregated : (short)c.Source;
            decimal close = c.Close;
            var json = CandleJson.Render(
                c.OpenTimeUs,
                c.Open,
                c.High,
                c.Low,
                close,
                c.Volume?.ToDecimal() ?? 0m,
                c.QuoteVolume?.ToDecimal() ?? 0m,
                c.TradeCount,
                taker,
                takerQuote,
                vwap,
                firstId,
                lastId,
                c.Closed,
                c.Revision,
                filled: false
            );
            store.Apply(c.Instrument.Key, c.Interval, source, new StoredCandle(c.OpenTimeUs, close, c.Closed, c.Revision, json));
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or FormatException)
        {
            // The sink dead-letters it (malformed); the store skips it.
        }
    }

    /// <summary>Loads the last Depth candles of every live series and returns the sink's stored positions (partition →
    /// next offset) of the same instant.</summary>
    private Dictionary<int, long> LoadSnapshot(CancellationToken ct)
    {
        using var conn = db.OpenConnection();
        using var tx = conn.BeginTransaction(System.Data.IsolationLevel.RepeatableRead);
        var positions = new Dictionary<int, long>();
        // The lateral read below touches every day partition once per series: PostgreSQL's JIT compiled thousands of
        // functions for it (37 s with 400 partitions, 1 s without).
        using (var jit = new NpgsqlCommand("SET LOCAL jit = off", conn, tx))
            jit.ExecuteNonQuery();
        using (
            var cmd = new NpgsqlCommand("SELECT partition, next_offset FROM sink_positions WHERE consumer = $1 AND topic = $2", conn, tx)
        )
        {
            cmd.Parameters.Add(new() { Value = sinkConsumer, NpgsqlDbType = NpgsqlDbType.Text });
            cmd.Parameters.Add(new() { Value = TopicCatalog.Candles.Name, NpgsqlDbType = NpgsqlDbType.Text });
            using var r = cmd.ExecuteReader();
            while (r.Read())
                positions[r.GetInt32(0)] = r.GetInt64(1);
        }
        var series = new Dictionary<(string, string, short), List<StoredCandle>>();
        using (
            var cmd = new NpgsqlCommand(
                """
                SELECT i.exchange, i.base, i.quote, i.market, iv.name, src.source, c.time, c.open, c.high, c.low, c.close, c.volume,
                       c.quote_volume, c.trade_count, c.taker_buy_volume, c.taker_buy_quote_volume, c.vwap, c.first_trade_id,
                       c.last_trade_id, c.closed, c.revision
                FROM instruments i CROSS JOIN unnest($1::text[]) AS iv(name) CROSS JOIN (VALUES (1::smallint), (2::smallint)) AS src(source)
                CROSS JOIN LATERAL (SELECT * FROM candles WHERE version = $2 AND instrument_id = i.id AND interval = iv.name
                                    AND source = src.source ORDER BY time DESC LIMIT $3) c
                """,
                conn,
                tx
            )
        )
        {
            cmd.Parameters.Add(new() { Value = CandleInterval.Names.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            cmd.Parameters.Add(new() { Value = DataVersion.Live.Name, NpgsqlDbType = NpgsqlDbType.Text });
            cmd.Parameters.Add(new() { Value = store.Depth, NpgsqlDbType = NpgsqlDbType.Integer });
            cmd.CommandTimeout = 600;
            using var r = cmd.ExecuteReader();
            while (r.Read())
            {
                ct.ThrowIfCancellationRequested();
                // The stored spelling, as the sink keys instruments (InstrumentRef.Key of the record).
                var key = (
                    InstrumentKey.Format(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3)),
                    r.GetString(4),
                    r.GetInt16(5)
                );
                if (!series.TryGetValue(key, out var list))
                    series[key] = list = [];
                var time = ApiTime.ToMicroseconds(r.GetDateTime(6));
                var close = r.GetDecimal(10);
                var closed = r.GetBoolean(19);
                var revision = r.GetInt32(20);
                var json = CandleJson.Render(
                    time,
                    r.GetDecimal(7),
                    r.GetDecimal(8),
                    r.GetDecimal(9),
                    close,
                    r.GetDecimal(11),
                    r.GetDecimal(12),
                    r.GetInt64(13),
                    r.IsDBNull(14) ? null : r.GetDecimal(14),
                    r.IsDBNull(15) ? null : r.GetDecimal(15),
                    r.IsDBNull(16) ? null : r.GetDecimal(16),
                    r.IsDBNull(17) ? null : r.GetInt64(17),
                    r.IsDBNull(18) ? null : r.GetInt64(18),
                    closed,
                    revision,
                    filled: false
                );
                list.Add(new StoredCandle(time, close, closed, revision, json));
            }
        }
        tx.Commit();
        foreach (var list in series.Values)
            list.Reverse(); // read newest first
        store.Load(series.Select(kv => (kv.Key, kv.Value)), positions);
        return positions;
    }
}
