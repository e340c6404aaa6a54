// Sink throughput: trades through the whole sink (consume, parse, binary COPY, positions in the same transaction)
// against raw binary COPY of the same rows into the same table shape; then candle upserts (staging + ON CONFLICT).
using System.Diagnostics;
using Confluent.Kafka;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;
using Pipeline.Plumbing.Kafka;
using Pipeline.Plumbing.Topics;
using Pipeline.Schemas.V1;
using Pipeline.Sinks;
using Pipeline.Testing;

namespace Pipeline.Benchmarks.Sink;

public sealed class SinkThroughputBenchmark : IBenchmark
{
    public string Name => "sink";
    private const long Day = 1_736_899_200_000_000; // 2025-01-15
    private static readonly InstrumentRef[] Instruments =
    [
        InstrumentRef.Create("binance", "BTC", "USDT", MarketType.Spot),
        InstrumentRef.Create("binance", "ETH", "USDT", MarketType.Spot),
        InstrumentRef.Create("coinbase", "BTC", "USD", MarketType.Spot),
    ];

    public async Task RunAsync(BenchmarkReport report, CancellationToken ct)
    {
        const int trades = 600_000,
            candles = 200_000;
        LibrdkafkaLoader.EnsureLoaded();
        var rng = new Random(7);
        var batch = Enumerable
            .Range(0, trades)
            .Select(i => new Trade
            {
                Instrument = Instruments[i % 3],
                TradeId = i,
                Aggressor = AggressorSide.Buy,
                Origin = Origin.Live,
                Price = Schemas.V1.Decimal.From(60_000m + rng.Next(0, 1_000_000) / 100m),
                Size = Schemas.V1.Decimal.From(rng.Next(1, 100_000) / 100_000m),
                EventTimeUs = Day + i * 100_000L,
                ReceiveTimeUs = Day + i * 100_000L + 500,
            })
            .ToList();

        await using var kafka = await TestKafka.StartAsync(partitions: 3);
        Publish(kafka.Settings, TopicCatalog.ValidTrades.Name, batch.Select(t => (t.Instrument.Key, t.ToByteArray())));
        report.Add("parse + validate trades in process (no Kafka, no database)", ParseOnly(batch), "rows/s");
        report.Add(
            "plain read_committed consume of trades.valid (no database)",
            ConsumeOnly(kafka.Settings, TopicCatalog.ValidTrades.Name, trades),
            "rows/s"
        );

        // Baseline and sink alternate (best of three each): the shared cores' load drifts between runs.
        double bestRaw = 0,
            bestSink = 0;
        for (var round = 0; round < 3; round++)
        {
            bestRaw = Math.Max(bestRaw, await RawCopyAsync(batch, ct));
            var sinkDb = await TestPostgres.CreateDatabaseAsync();
            await RegisterAsync(sinkDb);
            bestSink = Math.Max(bestSink, await RunSinkAsync(kafka.Settings, sinkDb, trades, TopicCatalog.ValidTrades.Name, ct));
        }
        report.Add("raw binary COPY trades", bestRaw, "rows/s");
        report.Add("sink trades (consume + COPY + positions)", bestSink, "rows/s", baseline: "raw binary COPY trades", targetRatio: 0.8);

        // Candle upserts: open updates, finals and revisions of many candles.
        var candleRecords = Enumerable
            .Range(0, candles)
            .Select(i =>
            {
                var key = i / 4; // four records per candle: two open updates, final, revision
                var close = 60_000m + rng.Next(0, 1000);
                return new Candle
                {
                    Instrument = Instruments[key % 3],
                    Interval = "1m",
                    OpenTimeUs = Day + (key / 3) * 60_000_000L,
                    CloseTimeUs = Day + (key / 3 + 1) * 60_000_000L,
                    Open = Schemas.V1.Decimal.From(60_000m),
                    High = Schemas.V1.Decimal.From(61_000m),
                    Low = Schemas.V1.Decimal.From(59_000m),
                    Close = Schemas.V1.Decimal.From(close),
                    Volume = Schemas.V1.Decimal.From(i % 4 + 1),
                    QuoteVolume = Schemas.V1.Decimal.From((i % 4 + 1) * close),
                    TradeCount = i % 4 + 1,
                    Closed = i % 4 >= 2,
                    Revision = i % 4 == 3 ? 1 : 0,
                    Source = CandleSource.Aggregated,
                };
            })
            .ToList();
        Publish(kafka.Settings, TopicCatalog.Candles.Name, candleRecords.Select(c => (c.Instrument.Key, c.ToByteArray())));
        var candleDb = await TestPostgres.CreateDatabaseAsync();
        await RegisterAsync(candleDb);
        report.Add(
            "sink candle records (staging COPY + upsert)",
            await RunSinkAsync(kafka.Settings, candleDb, candles, TopicCatalog.Candles.Name, ct),
            "records/s"
        );
    }

    /// <summary>One binary COPY stream of the same rows into the trades table of a fresh database, one transaction.</summary>
    private static async Task<double> RawCopyAsync(List<Trade> batch, CancellationToken ct)
    {
        var rawDb = await TestPostgres.CreateDatabaseAsync();
        var ids = await RegisterAsync(rawDb);
        await using var conn = new NpgsqlConnection(rawDb);
        await conn.OpenAsync(ct);
        await using (var p = new NpgsqlCommand("SELECT pipeline_ensure_day_partitions('trades', $1, $2)", conn))
        {
            p.Parameters.Add(new() { Value = DateTime.UnixEpoch.AddTicks(batch[0].EventTimeUs * 10) });
            p.Parameters.Add(new() { Value = DateTime.UnixEpoch.AddTicks(batch[^1].EventTimeUs * 10) });
            await p.ExecuteNonQueryAsync(ct);
        }
        var sw = Stopwatch.StartNew();
        await using (var tx = await conn.BeginTransactionAsync(ct))
        {
            await using (
                var copy = await conn.BeginBinaryImportAsync(
                    "COPY trades (time, instrument_id, trade_id, price, size, aggressor, receive_time, origin) FROM STDIN (FORMAT BINARY)",
                    ct
                )
            )
            {
                foreach (var t in batch)
                {
                    copy.StartRow();
                    copy.Write(DateTime.UnixEpoch.AddTicks(t.EventTimeUs * 10), NpgsqlDbType.TimestampTz);
                    copy.Write(ids[t.Instrument.Key], NpgsqlDbType.Integer);
                    copy.Write(t.TradeId, NpgsqlDbType.Bigint);
                    copy.Write(t.Price.ToDecimal(), NpgsqlDbType.Numeric);
                    copy.Write(t.Size.ToDecimal(), NpgsqlDbType.Numeric);
                    copy.Write((short)t.Aggressor, NpgsqlDbType.Smallint);
                    copy.Write(DateTime.UnixEpoch.AddTicks(t.ReceiveTimeUs * 10), NpgsqlDbType.TimestampTz);
                    copy.Write((short)t.Origin, NpgsqlDbType.Smallint);
                }
                await copy.CompleteAsync(ct);
            }
            await tx.CommitAsync(ct);
        }
        return batch.Count / sw.Elapsed.TotalSeconds;
    }

    /// <summary>The sink's per-record CPU before the database: Protobuf parse and validation.</summary>
    private static double ParseOnly(List<Trade> trades)
    {
        var records = trades
            .Select(
                (t, i) =>
                    new ConsumeResult<byte[]?, byte[]?>
                    {
                        Topic = TopicCatalog.ValidTrades.Name,
                        Partition = 0,
                        Offset = i,
                        Message = new Message<byte[]?, byte[]?> { Key = null, Value = t.ToByteArray() },
                    }
            )
            .ToList();
        var sw = Stopwatch.StartNew();
        var valid = 0;
        foreach (var r in records)
            if (SinkRecordParser.Parse(r, TopicCatalog.ValidTrades.Name) is Trade)
                valid++;
        if (valid != trades.Count)
            throw new InvalidOperationException($"only {valid} of {trades.Count} trades parsed as valid");
        return trades.Count / sw.Elapsed.TotalSeconds;
    }

    /// <summary>What the broker and client alone deliver: the ceiling the sink's Kafka side puts on it.</summary>
    private static double ConsumeOnly(KafkaClientSettings kafka, string topic, int total)
    {
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(
            kafka.Consumer("bench-consume", "bench-consume-" + Guid.NewGuid())
        ).Build();
        consumer.Subscribe(topic);
        var n = 0;
        Stopwatch? sw = null;
        while (n < total)
            if (consumer.Consume(TimeSpan.FromSeconds(1)) is { Message: not null })
            {
                sw ??= Stopwatch.StartNew();
                n++;
            }
        var rate = (n - 1) / sw!.Elapsed.TotalSeconds;
        consumer.Close();
        return rate;
    }

    private static async Task<Dictionary<string, int>> RegisterAsync(string db)
    {
        await using var source = NpgsqlDataSource.Create(db);
        await Pipeline.Plumbing.Database.InstrumentRegistry.SyncAsync(
            source,
            Instruments.Select(i => new Pipeline.Plumbing.Configuration.InstrumentOptions
            {
                Exchange = i.Exchange,
                Base = i.Base,
                Quote = i.Quote,
                Market = "spot",
            })
        );
        return await Pipeline.Plumbing.Database.InstrumentRegistry.LoadIdsAsync(source);
    }

    private static void Publish(KafkaClientSettings kafka, string topic, IEnumerable<(string Key, byte[] Value)> records)
    {
        using var producer = new ProducerBuilder<string, byte[]>(kafka.Producer("bench-sink")).Build();
        foreach (var (key, value) in records)
        {
            while (true)
            {
                try
                {
                    producer.Produce(topic, new Message<string, byte[]> { Key = key, Value = value });
                    break;
                }
                catch (ProduceException<string, byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
                {
                    producer.Poll(TimeSpan.FromMilliseconds(50));
                }
            }
        }
        producer.Flush(TimeSpan.FromMinutes(2));
    }

    /// <summary>Rows per second from the first committed batch to the last (group join and start-up excluded).</summary>
    private static async Task<double> RunSinkAsync(KafkaClientSettings kafka, string db, long total, string topic, CancellationToken ct)
    {
        using var stop = new CancellationTokenSource();
        var sink = new PostgresSink(
            kafka,
            db,
            new Pipeline.Plumbing.Configuration.SinkOptions
            {
                ConsumerName = "bench-" + topic,
                GroupId = "bench-" + Guid.NewGuid(),
                BatchRows = 50_000,
            },
            Environment.GetEnvironmentVariable("SINK_BENCH_LOG") == "1"
                ? Microsoft.Extensions.Logging.LoggerFactory.Create(b =>
                    b.AddSimpleConsole(o =>
                        {
                            o.SingleLine = true;
                            o.TimestampFormat = "ss.fff ";
                        })
                        .SetMinimumLevel(Microsoft.Extensions.Logging.LogLevel.Debug)
                )
                : NullLoggerFactory.Instance,
            SinkTopics.LiveOf(topic)
        );
        var run = sink.RunAsync(stop.Token);
        await using var conn = new NpgsqlConnection(db);
        await conn.OpenAsync(ct);
        async Task<long> Position()
        {
            await using var cmd = new NpgsqlCommand("SELECT coalesce(sum(next_offset), 0) FROM sink_positions", conn);
            return Convert.ToInt64(await cmd.ExecuteScalarAsync(ct));
        }
        long first;
        while ((first = await Position()) == 0)
            await Task.Delay(5, ct);
        var sw = Stopwatch.StartNew();
        // GC pauses stop every thread of the sink, the COPY writer included: printed so a regression shows.
        int gc0 = GC.CollectionCount(0),
            gc1 = GC.CollectionCount(1),
            gc2 = GC.CollectionCount(2);
        var pause = GC.GetTotalPauseDuration();
        while (await Position() < total)
            await Task.Delay(5, ct);
        var elapsed = sw.Elapsed;
        Console.WriteLine(
            $"  sink run ({topic}): {elapsed.TotalMilliseconds:N0} ms, "
                + $"GCs gen0/1/2 {GC.CollectionCount(0) - gc0}/{GC.CollectionCount(1) - gc1}/{GC.CollectionCount(2) - gc2}, "
                + $"GC pauses {(GC.GetTotalPauseDuration() - pause).TotalMilliseconds:N0} ms"
        );
        stop.Cancel();
        await run;
        return (total - first) / elapsed.TotalSeconds;
    }
}
