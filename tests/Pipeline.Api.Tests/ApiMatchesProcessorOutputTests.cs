// What the API serves equals what the processors emitted: trades go through the real processor, sink and API, and
// every candle the API returns is compared with the final state of that candle read back from the candles topic.
using System.Globalization;
using System.Text.Json;
using Confluent.Kafka;
using Google.Protobuf;
using Npgsql;
using Pipeline.Plumbing.Serialization;
using Pipeline.Plumbing.Topics;
using Pipeline.Processors;
using Pipeline.Schemas;
using Pipeline.Schemas.V1;
using Pipeline.Sinks;
using Pipeline.Testing;

namespace Pipeline.Api.Tests;

public sealed class ApiMatchesProcessorOutputTests
{
    [Fact]
    public async Task Candles_served_by_the_api_equal_the_final_candles_the_processor_emitted()
    {
        await using var pipeline = await TestPipeline.StartAsync(partitions: 2, loggers: RunningApi.Loggers);
        var (kafka, db, options) = (pipeline.Kafka, pipeline.Database, pipeline.Options);
        options.Api.RateLimitPerSecond = 0;

        // 40 minutes of trades on two instruments, 3-decimal prices, irregular gaps (some minutes have none).
        var start = new DateTimeOffset(2025, 3, 14, 9, 0, 0, TimeSpan.Zero);
        var rng = new Random(5);
        var instruments = new[]
        {
            InstrumentRef.Create("binance", "BTC", "USDT", MarketType.Spot),
            InstrumentRef.Create("binance", "ETH", "USDT", MarketType.Spot),
        };
        var trades = new List<Trade>();
        foreach (var (ins, n) in instruments.Select((i, n) => (i, n)))
        {
            var t = start;
            for (var id = 1; t < start.AddMinutes(40); id++)
            {
                t = t.AddMilliseconds(rng.Next(200, 9000) * (rng.Next(30) == 0 ? 20 : 1));
                trades.Add(
                    new Trade
                    {
                        Instrument = ins,
                        TradeId = id,
                        Aggressor = id % 3 == 0 ? AggressorSide.Sell : AggressorSide.Buy,
                        Origin = Origin.Import,
                        Price = Schemas.V1.Decimal.From(
                            decimal.Parse(
                                $"{(n == 0 ? 60000 : 3000) + rng.Next(-500, 500)}.{rng.Next(0, 1000):000}",
                                CultureInfo.InvariantCulture
                            )
                        ),
                        Size = Schemas.V1.Decimal.From(rng.Next(1, 5000) / 1000m),
                        EventTimeUs = t.ToUnixTimeMilliseconds() * 1000,
                        ReceiveTimeUs = t.ToUnixTimeMilliseconds() * 1000 + 500,
                    }
                );
            }
        }
        using (var producer = new ProducerBuilder<string, byte[]>(kafka.Settings.Producer("oracle")).Build())
        {
            foreach (var tr in trades)
                producer.Produce(
                    TopicCatalog.RawTrades.Name,
                    new Message<string, byte[]>
                    {
                        Key = tr.Instrument.Key,
                        Value = tr.ToByteArray(),
                        Headers = MessageHeaders.For<Trade>(),
                    }
                );
            producer.Flush(TimeSpan.FromSeconds(30));
        }

        pipeline.Run(ProcessorRole.RunAsync);
        pipeline.Run(SinkRole.RunAsync);
        pipeline.Run(ApiRole.RunAsync);
        // The oracle: the candles topic itself (read_committed), reduced to the final state per candle as the sink
        // must keep it. Read on until the processor is done and the sink has stored every record read.
        var expected = new Dictionary<(string, string, long), Candle>();
        var next = new long[2]; // per partition: one past the last record read (transaction markers are not records)
        using var reader = new ConsumerBuilder<byte[], byte[]>(
            kafka.Settings.Consumer("oracle-read", "oracle-read-" + Guid.NewGuid())
        ).Build();
        reader.Assign(Enumerable.Range(0, 2).Select(p => new TopicPartitionOffset(TopicCatalog.Candles.Name, p, Offset.Beginning)));
        // Regression (flaky under load, CI 2026-11-29): "settled" was judged by the clock, so a processor still
        // working through its input failed the test. Progress decides now: the processor's group has committed
        // every input offset (its output transactions are then committed and readable), read before draining.
        bool ProcessorConsumedAllInput() =>
            ConsumerGroupProgress.HasConsumedAll(kafka.Settings, options.Processing.GroupId, [TopicCatalog.RawTrades.Name]);
        async Task<bool> Settled()
        {
            pipeline.ThrowIfARoleFailed();
            if (!await Task.Run(ProcessorConsumedAllInput))
                return false;
            while (reader.Consume(TimeSpan.FromMilliseconds(200)) is { Message: not null } m)
            {
                next[m.Partition.Value] = m.Offset.Value + 1;
                var c = Candle.Parser.ParseFrom(m.Message.Value);
                var key = (c.Instrument.Key, c.Interval, c.OpenTimeUs);
                if (!expected.TryGetValue(key, out var old) || (old.Closed, old.Revision).CompareTo((c.Closed, c.Revision)) <= 0)
                    expected[key] = c;
            }
            await using var conn = new NpgsqlConnection(db);
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand(
                "SELECT partition, next_offset FROM sink_positions WHERE topic = 'candles' ORDER BY partition",
                conn
            );
            await using var r = await cmd.ExecuteReaderAsync();
            var stored = new long[2];
            while (await r.ReadAsync())
                stored[r.GetInt32(0)] = r.GetInt64(1);
            var closedLate = expected.Values.Count(c =>
                c.Interval == "1m" && c.Closed && c.OpenTimeUs >= start.AddMinutes(30).ToUnixTimeMilliseconds() * 1000
            );
            return closedLate >= 2 && next.Sum() > 0 && stored.SequenceEqual(next);
        }
        // Settled on two checks in a row with nothing new read between them: a transaction's offsets can become
        // visible a moment before its output does (Kafka writes the markers partition by partition), so one check
        // right after the input offsets were committed could still miss the last candles (failed in CI under load).
        var readAtLastSettle = -1L;
        async Task<bool> SettledTwice()
        {
            if (!await Settled())
                return false;
            var read = next.Sum();
            var unchanged = read == readAtLastSettle;
            readAtLastSettle = read;
            return unchanged;
        }
        await Eventually.TrueAsync(SettledTwice, TimeSpan.FromSeconds(120), "processor output read back and stored by the sink");

        Assert.True(expected.Count > 100, $"only {expected.Count} candles emitted");

        using var http = new HttpClient { BaseAddress = new Uri(options.Api.Urls) };
        // The API's recent-candle store reads the candles topic on its own. It answers only while at or past the sink's
        // stored positions as of its latest check (every 100 ms, valid 500 ms: docs/sink-and-api.md), so it is never
        // behind a sink commit older than that check; the final fresh-clone CI of session 5, before that rule, saw one
        // candle at an earlier update right after the sink had stored all. This test cannot know that the API's latest
        // check began after the sink's last commit, so the first answer is not exact: compare until it is, then assert.
        var compared = 0;
        try
        {
            await Eventually.TrueAsync(
                async () =>
                {
                    try
                    {
                        compared = await CompareAsync();
                        return true;
                    }
                    catch (Xunit.Sdk.XunitException)
                    {
                        return false;
                    }
                },
                TimeSpan.FromSeconds(30),
                "the API to serve the emitted candles"
            );
        }
        catch (TimeoutException) { } // the comparison below says what differs
        compared = await CompareAsync(); // the assertions themselves, on the settled answers

        async Task<int> CompareAsync()
        {
            var count = 0;
            foreach (var ins in instruments)
            foreach (var interval in CandleInterval.Names)
            {
                var body = JsonDocument
                    .Parse(
                        await http.GetStringAsync(
                            $"/candles/{ins.Exchange}/{ins.Base}/{ins.Quote}/spot/{interval}"
                                + "?start=2025-03-01T00:00:00Z&end=2025-03-20T00:00:00Z&limit=10000"
                        )
                    )
                    .RootElement;
                var served = body.GetProperty("data").EnumerateArray().ToList();
                var wanted = expected
                    .Where(e => e.Key.Item1 == ins.Key && e.Key.Item2 == interval)
                    .OrderBy(e => e.Key.Item3)
                    .Select(e => e.Value)
                    .ToList();
                Assert.True(wanted.Count == served.Count, $"{ins.Key} {interval}: {wanted.Count} candles emitted, {served.Count} served");
                foreach (var (w, s) in wanted.Zip(served))
                {
                    Assert.Equal(
                        DateTime.UnixEpoch.AddTicks(w.OpenTimeUs * 10),
                        DateTime.Parse(s.GetProperty("time").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal)
                    );
                    Assert.Equal(w.Open.ToInvariantString(), s.GetProperty("open").GetString());
                    Assert.Equal(w.High.ToInvariantString(), s.GetProperty("high").GetString());
                    Assert.Equal(w.Low.ToInvariantString(), s.GetProperty("low").GetString());
                    Assert.Equal(w.Close.ToInvariantString(), s.GetProperty("close").GetString());
                    Assert.Equal(w.Volume.ToInvariantString(), s.GetProperty("volume").GetString());
                    Assert.Equal(w.QuoteVolume.ToInvariantString(), s.GetProperty("quote_volume").GetString());
                    Assert.Equal(w.TradeCount, s.GetProperty("trade_count").GetInt64());
                    Assert.Equal(w.Closed, s.GetProperty("closed").GetBoolean());
                    Assert.Equal(w.Revision, s.GetProperty("revision").GetInt32());
                    count++;
                }
            }
            return count;
        }
        Assert.Equal(expected.Count, compared); // every emitted candle, on every interval
    }
}
