// Replay (issue 13, ADR 0006) on the embedded broker: deterministic, equal to live, with its own indicator
// configuration checked against the published reference tables, and exactly once across kill -9.
using System.Text;
using Confluent.Kafka;
using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Plumbing;
using Pipeline.Plumbing.Configuration;
using Pipeline.Plumbing.Kafka;
using Pipeline.Plumbing.Serialization;
using Pipeline.Plumbing.Topics;
using Pipeline.Processors.Replay;
using Pipeline.Schemas;
using Pipeline.Schemas.V1;
using Pipeline.Testing;
using static Pipeline.Processors.Tests.TradeFactory;

namespace Pipeline.Processors.Tests;

public class ReplayTests
{
    /// <summary>Stands for "an end-of-input mark on trades.raw" (ADR 0007) in the input lists below.</summary>
    private const string EndOfInputOnRawTrades = "trades.raw (end-of-input)";

    private const int Partitions = 3;

    private static PipelineOptions LiveOptions(params (string Key, string Value)[] extra)
    {
        var env = new Dictionary<string, string?>
        {
            ["PIPELINE__PROCESSING__INSTANCEID"] = "live",
            ["PIPELINE__PROCESSING__ALLOWEDLATENESSMS"] = "0",
        };
        foreach (var (k, v) in extra)
            env[k] = v;
        return PipelineConfiguration.Load(file: null, environment: env);
    }

    private static IReadOnlyCollection<string> Configured(PipelineOptions o) => o.Instruments.Select(i => i.ToInstrumentRef().Key).ToList();

    /// <summary>Live trades on two instruments over ~1.5 h of event time, with 90 s late trades (revisions of closed
    /// 1m candles) and duplicates, then end-of-input marks through the range's end.</summary>
    private static (List<(string Topic, byte[] Key, byte[] Value)> Records, long From, long To) LiveInput(int perInstrument)
    {
        var rng = new Random(5);
        var t0 = Us("2025-02-03T00:00:00Z");
        var to = t0 + perInstrument * 900_000L;
        var records = new List<(string, byte[], byte[])>();
        foreach (var ins in new[] { Btc, Eth })
        {
            var key = Encoding.UTF8.GetBytes(ins.Key);
            for (var i = 0; i < perInstrument; i++)
            {
                var t = t0 + i * 900_000L + rng.Next(0, 500_000);
                if (i % 500 == 499)
                    t -= 90_000_000;
                var trade = Trade(
                    i,
                    (1000 + rng.Next(0, 100_000) / 100m).ToString(System.Globalization.CultureInfo.InvariantCulture),
                    (rng.Next(1, 10_000) / 1000m).ToString(System.Globalization.CultureInfo.InvariantCulture),
                    t,
                    Origin.Live,
                    rng.Next(2) == 0 ? AggressorSide.Buy : AggressorSide.Sell,
                    ins
                );
                records.Add((TopicCatalog.RawTrades.Name, key, trade.ToByteArray()));
                if (i % 1000 == 7)
                    records.Add((TopicCatalog.RawTrades.Name, key, trade.ToByteArray()));
            }
            records.Add(
                (
                    EndOfInputOnRawTrades,
                    key,
                    new EndOfInput
                    {
                        Instrument = ins,
                        Origin = Origin.Live,
                        ThroughTimeUs = to,
                    }.ToByteArray()
                )
            );
        }
        return (records, t0, to);
    }

    private static void Produce(KafkaClientSettings settings, IEnumerable<(string Topic, byte[] Key, byte[] Value)> input)
    {
        using var producer = new ProducerBuilder<byte[], byte[]>(settings.Producer("replay-test-input")).Build();
        foreach (var (topic, key, value) in input)
        {
            while (true)
            {
                try
                {
                    producer.Produce(
                        topic == EndOfInputOnRawTrades ? TopicCatalog.RawTrades.Name : topic,
                        new Message<byte[], byte[]>
                        {
                            Key = key,
                            Value = value,
                            Headers = topic == EndOfInputOnRawTrades ? MessageHeaders.For<EndOfInput>() : null,
                        }
                    );
                    break;
                }
                catch (ProduceException<byte[], byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
                {
                    producer.Poll(TimeSpan.FromMilliseconds(20));
                }
            }
        }
        producer.Flush(TimeSpan.FromSeconds(60));
    }

    /// <summary>Runs the live processor in this process until its committed offsets reached the end of its inputs.</summary>
    private static Task RunLiveAsync(TestKafka kafka, PipelineOptions options)
    {
        var context = new PipelineContext(options, kafka.Settings, null, NullLoggerFactory.Instance);
        return ConsumerGroupProgress.RunUntilConsumedAsync(
            ct => ProcessorRole.RunAsync(context, ct),
            kafka.Settings,
            options.Processing.GroupId,
            MarketDataProcessor.InputTopics,
            TimeSpan.FromMinutes(2),
            "the live processor to consume its input"
        );
    }

    private static async Task<ReplayResult> ReplayAsync(
        TestKafka kafka,
        PipelineOptions options,
        string version,
        long from,
        long to,
        ProcessingOptions? processing = null,
        IReadOnlyList<string>? intervals = null
    )
    {
        var job = await ReplayJob.PlanAsync(
            kafka.Settings,
            new ReplayRequest
            {
                Version = DataVersion.Parse(version),
                FromUs = from,
                ToUs = to,
                Intervals = intervals ?? [],
                Processing = processing ?? options.Processing,
            },
            Configured(options),
            NullLoggerFactory.Instance
        );
        var result = await job.RunAsync(null, CancellationToken.None);
        Assert.True(result.Complete);
        return result;
    }

    /// <summary>Every committed record of a topic, per key in partition order, as base64 of its value (the bytes).</summary>
    private static Dictionary<string, List<string>> ByKey(KafkaClientSettings settings, string topic) =>
        TopicReader
            .ReadAll(settings, topic)
            .GroupBy(r => $"{r.Partition.Value}|{(r.Message.Key is null ? "" : Encoding.UTF8.GetString(r.Message.Key))}")
            .ToDictionary(
                g => g.Key,
                g => g.Select(r => r.Message.Value is null ? "null" : Convert.ToBase64String(r.Message.Value)).ToList()
            );

    private static void AssertSameRecords(Dictionary<string, List<string>> expected, Dictionary<string, List<string>> actual, string what)
    {
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (key, records) in expected)
        {
            Assert.True(records.Count == actual[key].Count, $"{what} {key}: {records.Count} records expected, {actual[key].Count} got");
            Assert.True(records.SequenceEqual(actual[key]), $"{what} {key}: records differ");
        }
    }

    private static long Records(KafkaClientSettings settings, string topic)
    {
        using var c = new ConsumerBuilder<byte[], byte[]>(settings.Consumer("replay-test-count", "replay-test-count")).Build();
        return Enumerable
            .Range(0, Partitions)
            .Sum(p => c.QueryWatermarkOffsets(new TopicPartition(topic, p), TimeSpan.FromSeconds(10)).High.Value);
    }

    [Fact]
    public async Task Two_replays_of_a_range_write_identical_records_and_equal_the_live_candles_and_indicators()
    {
        await using var kafka = await TestKafka.StartAsync(Partitions);
        var options = LiveOptions();
        var (input, from, to) = LiveInput(4_000);
        Produce(kafka.Settings, input);
        await RunLiveAsync(kafka, options);

        await ReplayAsync(kafka, options, "det-a", from, to);
        await ReplayAsync(kafka, options, "det-b", from, to);
        var a = new VersionTopics(DataVersion.Parse("det-a"));
        var b = new VersionTopics(DataVersion.Parse("det-b"));

        // Deterministic: byte-identical keys and values, in the same order per key.
        foreach (
            var (ta, tb) in new[]
            {
                (a.Candles, b.Candles),
                (a.FinalCandles, b.FinalCandles),
                (a.Indicators, b.Indicators),
                (a.DeadLetters, b.DeadLetters),
            }
        )
            AssertSameRecords(ByKey(kafka.Settings, ta.Name), ByKey(kafka.Settings, tb.Name), tb.Name);

        // Replay equals live: the same final candles (with the same revisions) and indicator values, record for record.
        var liveFinals = ByKey(kafka.Settings, TopicCatalog.FinalCandles.Name);
        Assert.True(liveFinals.Values.Sum(l => l.Count) > 100, "the live run wrote too few final candles to compare");
        Assert.Contains(liveFinals.Values.SelectMany(l => l), v => Candle.Parser.ParseFrom(Convert.FromBase64String(v)).Revision > 0);
        AssertSameRecords(liveFinals, ByKey(kafka.Settings, a.FinalCandles.Name), "final candles");
        AssertSameRecords(ByKey(kafka.Settings, TopicCatalog.Indicators.Name), ByKey(kafka.Settings, a.Indicators.Name), "indicators");
        // A replay writes closed candles only: its candles topic holds the finals (open updates depend on processing time).
        AssertSameRecords(ByKey(kafka.Settings, a.FinalCandles.Name), ByKey(kafka.Settings, a.Candles.Name), "candles");
    }

    [Fact]
    public async Task Replay_with_other_indicator_periods_equals_the_published_reference_and_leaves_live_untouched()
    {
        await using var kafka = await TestKafka.StartAsync(Partitions);
        // Live computes rsi(7) and sma(5); the replay asks for the periods the published reference tables have.
        var options = LiveOptions(("PIPELINE__PROCESSING__INDICATORS__0", "rsi(7)"), ("PIPELINE__PROCESSING__INDICATORS__1", "sma(5)"));
        var bars = IndicatorReferenceTests.Bars();
        var key = Encoding.UTF8.GetBytes(Btc.Key);
        long id = 0;
        var trades = new List<(string, byte[], byte[])>();
        foreach (var bar in bars)
        {
            // Four backfill trades per reference bar (open, high, low, close) whose sizes add up to its volume.
            foreach (
                var (price, size, at) in new[] { (bar.Open, bar.Volume - 3, 1), (bar.High, 1m, 2), (bar.Low, 1m, 3), (bar.Close, 1m, 4) }
            )
                trades.Add(
                    (TopicCatalog.RawTrades.Name, key, Trade(id++, S(price), S(size), bar.OpenTimeUs + at * 1_000_000L).ToByteArray())
                );
        }
        Produce(kafka.Settings, trades);
        await RunLiveAsync(kafka, options);
        var live = new[]
        {
            TopicCatalog.Candles,
            TopicCatalog.FinalCandles,
            TopicCatalog.Indicators,
            TopicCatalog.DeadLetters,
            TopicCatalog.ValidTrades,
        }.ToDictionary(t => t.Name, t => Records(kafka.Settings, t.Name));

        var processing = ReplayProcessingOf(options.Processing, ["rsi(14)", "macd(12,26,9)", "bb(20,2)", "sma(20)"]);
        await ReplayAsync(kafka, options, "ref", bars[0].OpenTimeUs, bars[^1].OpenTimeUs + 86_400_000_000L, processing, ["1d"]);

        var topics = new VersionTopics(DataVersion.Parse("ref"));
        var values = ByKey(kafka.Settings, topics.Indicators.Name)
            .Values.SelectMany(l => l)
            .Select(v => IndicatorValue.Parser.ParseFrom(Convert.FromBase64String(v)))
            .ToList();
        Assert.All(values, v => Assert.Equal("1d", v.Interval));
        var last = values.GroupBy(v => (v.OpenTimeUs, v.Indicator)).ToDictionary(g => g.Key, g => g.Last());
        var dir = Path.Combine(AppContext.BaseDirectory, "Fixtures", "indicator-reference");
        foreach (var (indicator, file) in new[] { ("rsi(14)", "rsi"), ("macd(12,26,9)", "macd"), ("bb(20,2)", "bb"), ("sma(20)", "sma") })
        {
            using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, file + ".standard.json")));
            var reference = doc.RootElement.EnumerateArray().ToList();
            for (var i = 0; i < bars.Count; i++)
            {
                var v = last[(bars[i].OpenTimeUs, indicator)];
                foreach (var f in v.Fields)
                {
                    var e = reference[i].GetProperty(f.Name);
                    IndicatorReferenceTests.AssertClose(
                        e.ValueKind == System.Text.Json.JsonValueKind.Null ? null : e.GetDouble(),
                        f.HasValue ? f.Value : null,
                        $"{indicator} {f.Name} at {bars[i].OpenTimeUs}"
                    );
                }
            }
        }
        // Live topics did not get a single record more.
        foreach (var (topic, count) in live)
            Assert.Equal(count, Records(kafka.Settings, topic));
        Assert.DoesNotContain(
            ByKey(kafka.Settings, TopicCatalog.Indicators.Name).Values.SelectMany(l => l),
            v => IndicatorValue.Parser.ParseFrom(Convert.FromBase64String(v)).Indicator.StartsWith("macd")
        );

        static string S(decimal d) => d.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    private static ProcessingOptions ReplayProcessingOf(ProcessingOptions live, List<string> indicators) =>
        new()
        {
            AllowedLatenessMs = live.AllowedLatenessMs,
            RevisionHorizonMs = live.RevisionHorizonMs,
            MaxClockSkewMs = live.MaxClockSkewMs,
            DedupeWindow = live.DedupeWindow,
            PriceJumpFraction = live.PriceJumpFraction,
            Indicators = indicators,
        };

    [Fact]
    public async Task Replay_killed_mid_run_and_resumed_writes_the_same_records_as_an_uninterrupted_replay()
    {
        await using var kafka = await TestKafka.StartAsync(Partitions);
        var options = LiveOptions();
        // Valid trades as the live processor would have written them (the replay's default input), enough to take seconds.
        var t0 = Us("2025-02-03T00:00:00Z");
        const int perInstrument = 150_000;
        var rng = new Random(9);
        var input = new[] { Btc, Eth }
            .SelectMany(ins =>
                Enumerable
                    .Range(0, perInstrument)
                    .Select(i =>
                        (
                            TopicCatalog.ValidTrades.Name,
                            Encoding.UTF8.GetBytes(ins.Key),
                            Trade(
                                    i,
                                    (1000 + rng.Next(0, 100_000) / 100m).ToString(System.Globalization.CultureInfo.InvariantCulture),
                                    "0.5",
                                    t0 + i * 100_000L + rng.Next(0, 50_000),
                                    Origin.Live,
                                    AggressorSide.Buy,
                                    ins
                                )
                                .ToByteArray()
                        )
                    )
            )
            .ToList();
        Produce(kafka.Settings, input);
        var from = t0;
        var to = t0 + perInstrument * 100_000L;
        await ReplayAsync(kafka, options, "clean", from, to);

        string[] args = ["replay", kafka.BootstrapServers, "killed", new UnixMicros(from).ToIso(), new UnixMicros(to).ToIso()];
        var killed = new VersionTopics(DataVersion.Parse("killed"));
        // Killed by its own hook right after its 2nd committed transaction (of at least 6: 300,000 trades, 50,000 per
        // transaction at most), so it always dies mid-run. Regression (session 6 CI): killed from outside once its first
        // committed output showed, a fast run could write "complete" before the kill landed, and the resumed run was
        // refused as a replay of a complete version.
        var killAfter = new Dictionary<string, string?> { ["PIPELINE_TEST_REPLAY_KILL_AFTER_COMMITS"] = "2" };
        using (var first = ChildProcess.Start("Pipeline.Processors.Tests.Host.dll", args, killAfter))
        {
            await first.WaitForLineAsync(
                l => l.StartsWith("test hook: killing the replay"),
                TimeSpan.FromMinutes(1),
                "the replay to kill itself mid-run"
            );
            await Eventually.GetAsync(() => Task.FromResult(first.HasExited), exited => exited, TimeSpan.FromMinutes(1), "the kill");
            Assert.DoesNotContain(first.Output, l => l.StartsWith("replay complete"));
            using var probe = new TopicReader<Candle>(kafka.Settings, killed.FinalCandles.Name);
            Assert.NotEmpty(probe.ReadToEnd()); // committed output before the kill
        }
        using (var second = ChildProcess.Start("Pipeline.Processors.Tests.Host.dll", args))
        {
            await second.WaitForLineAsync(
                l => l.StartsWith("replay complete=True"),
                TimeSpan.FromMinutes(2),
                "the resumed replay to complete"
            );
            Assert.Contains(second.Output, l => l.Contains("resumed=True"));
            Assert.Contains(second.Output, l => l.Contains("Restored processor state") && !l.Contains("from 0 changelog"));
        }
        var clean = new VersionTopics(DataVersion.Parse("clean"));
        Assert.True(ByKey(kafka.Settings, clean.FinalCandles.Name).Values.Sum(l => l.Count) > 500);
        foreach (
            var (tc, tk) in new[]
            {
                (clean.FinalCandles, killed.FinalCandles),
                (clean.Indicators, killed.Indicators),
                (clean.DeadLetters, killed.DeadLetters),
            }
        )
            AssertSameRecords(ByKey(kafka.Settings, tc.Name), ByKey(kafka.Settings, tk.Name), tk.Name);
    }

    [Fact]
    public async Task Replay_of_an_archive_input_topic_with_end_of_input_marks_in_it_equals_the_replay_of_trades_valid()
    {
        await using var kafka = await TestKafka.StartAsync(Partitions);
        var options = LiveOptions();
        var t0 = Us("2025-02-03T00:00:00Z");
        var to = t0 + 3_000 * 1_000_000L;
        var rng = new Random(13);
        var trades = new[] { Btc, Eth }
            .SelectMany(ins =>
                Enumerable
                    .Range(0, 3_000)
                    .Select(i =>
                        (
                            Key: Encoding.UTF8.GetBytes(ins.Key),
                            Value: Trade(
                                    i,
                                    (100 + rng.Next(0, 1000) / 100m).ToString(System.Globalization.CultureInfo.InvariantCulture),
                                    "0.25",
                                    t0 + i * 1_000_000L,
                                    Origin.Backfill,
                                    AggressorSide.Sell,
                                    ins
                                )
                                .ToByteArray()
                        )
                    )
            )
            .ToList();
        Produce(kafka.Settings, trades.Select(t => (TopicCatalog.ValidTrades.Name, t.Key, t.Value)));
        await ReplayAsync(kafka, options, "from-valid", t0, to);

        // As the archive republisher fills it: the version's own input topic, trades then one mark per instrument,
        // told apart by the header pipeline.type=end-of-input.
        var archive = new VersionTopics(DataVersion.Parse("from-archive"));
        await TopicProvisioner.EnsureTopicsAsync(kafka.Settings, Partitions, 1, NullLogger.Instance, [archive.Input]);
        Produce(kafka.Settings, trades.Select(t => (archive.Input.Name, t.Key, t.Value)));
        using (var producer = new ProducerBuilder<byte[], byte[]>(kafka.Settings.Producer("replay-test-marks")).Build())
            foreach (var ins in new[] { Btc, Eth })
            {
                var headers = new Headers { { MessageHeaders.MessageType, Encoding.UTF8.GetBytes(MessageHeaders.EndOfInputMark) } };
                await producer.ProduceAsync(
                    archive.Input.Name,
                    new Message<byte[], byte[]>
                    {
                        Key = Encoding.UTF8.GetBytes(ins.Key),
                        Value = new EndOfInput
                        {
                            Instrument = ins,
                            Origin = Origin.Backfill,
                            ThroughTimeUs = to,
                        }.ToByteArray(),
                        Headers = headers,
                    }
                );
            }
        var job = await ReplayJob.PlanAsync(
            kafka.Settings,
            new ReplayRequest
            {
                Version = archive.Version,
                FromUs = t0,
                ToUs = to,
                Input = archive.Input.Name,
                Processing = options.Processing,
            },
            Configured(options),
            NullLoggerFactory.Instance
        );
        Assert.True((await job.RunAsync(null, CancellationToken.None)).Complete);

        var valid = new VersionTopics(DataVersion.Parse("from-valid"));
        Assert.True(ByKey(kafka.Settings, valid.FinalCandles.Name).Values.Sum(l => l.Count) > 100);
        AssertSameRecords(
            ByKey(kafka.Settings, valid.FinalCandles.Name),
            ByKey(kafka.Settings, archive.FinalCandles.Name),
            "final candles"
        );
        AssertSameRecords(ByKey(kafka.Settings, valid.Indicators.Name), ByKey(kafka.Settings, archive.Indicators.Name), "indicators");
        // The marks were taken as marks, not as malformed trades.
        Assert.Empty(ByKey(kafka.Settings, archive.DeadLetters.Name));
    }

    [Fact]
    public async Task Version_replayed_again_after_its_topics_were_dropped_reads_its_whole_range_again()
    {
        // Regression guard: the consumer group replay-<V> outlives a dropped version's topics; its old offsets must not
        // make a new replay of the same name skip input.
        await using var kafka = await TestKafka.StartAsync(Partitions);
        var options = LiveOptions();
        var t0 = Us("2025-02-03T00:00:00Z");
        var to = t0 + 2_000 * 1_000_000L;
        Produce(
            kafka.Settings,
            Enumerable
                .Range(0, 2_000)
                .Select(i =>
                    (
                        TopicCatalog.ValidTrades.Name,
                        Encoding.UTF8.GetBytes(Btc.Key),
                        Trade(i, "100", "1", t0 + i * 1_000_000L).ToByteArray()
                    )
                )
        );
        var topics = new VersionTopics(DataVersion.Parse("again"));
        await ReplayAsync(kafka, options, "again", t0, to);
        var first = ByKey(kafka.Settings, topics.FinalCandles.Name);
        Assert.True(first.Values.Sum(l => l.Count) > 30);

        using (var admin = new AdminClientBuilder(kafka.Settings.Admin("replay-test-drop")).Build())
            await admin.DeleteTopicsAsync(topics.All.Where(t => t != topics.Input).Select(t => t.Name));
        await Eventually.TrueAsync(
            () =>
                Task.Run(() =>
                {
                    using var admin = new AdminClientBuilder(kafka.Settings.Admin("replay-test-drop")).Build();
                    return admin
                        .GetMetadata(TimeSpan.FromSeconds(10))
                        .Topics.All(t => t.Topic != topics.Plan.Name || t.Error.Code != ErrorCode.NoError);
                }),
            TimeSpan.FromSeconds(30),
            "the dropped version's topics to go"
        );

        await ReplayAsync(kafka, options, "again", t0, to);
        AssertSameRecords(first, ByKey(kafka.Settings, topics.FinalCandles.Name), "final candles after the drop");
    }
}
