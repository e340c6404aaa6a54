// End to end on the embedded broker (its own process): the processor's msgs/s over trades.raw, divided by a
// plain transactional copy loop (consume → produce → SendOffsetsToTransaction, 100 ms commits) over the same
// records on the same broker in the same run.
using System.Diagnostics;
using Confluent.Kafka;
using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Benchmarks.Broker;
using Pipeline.Plumbing;
using Pipeline.Plumbing.Configuration;
using Pipeline.Plumbing.Kafka;
using Pipeline.Plumbing.Serialization;
using Pipeline.Plumbing.Topics;
using Pipeline.Processors;
using Pipeline.Schemas.V1;

namespace Pipeline.Benchmarks.Processing;

public sealed class ProcessorThroughputBenchmark : IBenchmark
{
    internal const int Records = 1_000_000;
    internal const int Partitions = 6;
    internal const string CopyTopic = "bench.processing.copy";

    public string Name => "processing-end-to-end";

    public async Task RunAsync(BenchmarkReport report, CancellationToken ct)
    {
        LibrdkafkaLoader.EnsureLoaded();
        var options = PipelineConfiguration.Load(file: null, environment: new Dictionary<string, string?>());
        // Best of two rounds, each on a fresh broker (the processor's changelog topics must start empty): the
        // 2 cores are shared with other work, so single runs are noisy. Copy and processor run on the same broker.
        double copy = 0,
            processor = 0;
        for (var round = 0; round < 2; round++)
        {
            await using var broker = await BrokerHostProcess.StartAsync(ct);
            var settings = new KafkaClientSettings(broker.BootstrapServers);
            await TopicProvisioner.EnsureTopicsAsync(
                settings,
                Partitions,
                1,
                NullLogger.Instance,
                TopicCatalog.All.Append(new TopicSpec(CopyTopic, "instrument key", typeof(Trade), "benchmark copy target")),
                ct
            );
            Produce(settings, options);
            var c = await CopyAsync(settings, $"bench-copy-{round}", ct);
            var p = await ProcessorAsync(settings, $"bench-processors-{round}", ct);
            Console.WriteLine($"  round {round + 1}: copy {c:N0}/s, processor {p:N0}/s");
            copy = Math.Max(copy, c);
            processor = Math.Max(processor, p);
        }
        report.Add("transactional copy loop, records/s", copy, "records/s");
        report.Add(
            "processor end to end (validate, 14 intervals, indicators, changelogs), records/s",
            processor,
            "records/s",
            baseline: "transactional copy loop, records/s",
            targetRatio: 0.7
        );
    }

    internal static async Task<double> ProcessorAsync(KafkaClientSettings settings, string group, CancellationToken ct)
    {
        var options = PipelineConfiguration.Load(
            file: null,
            environment: new Dictionary<string, string?>
            {
                ["PIPELINE__PROCESSING__INSTANCEID"] = group,
                ["PIPELINE__PROCESSING__GROUPID"] = group,
                // Another transaction interval than the default (100 ms), e.g. the 10 ms of a low-latency live stream.
                ["PIPELINE__PROCESSING__COMMITINTERVALMS"] =
                    Environment.GetEnvironmentVariable("PIPELINE_BENCH_COMMIT_INTERVAL_MS")
                    ?? new ProcessingOptions().CommitIntervalMs.ToString(System.Globalization.CultureInfo.InvariantCulture),
            }
        );
        var context = new PipelineContext(options, settings, null, NullLoggerFactory.Instance);
        using var stop = new CancellationTokenSource();
        using var checker = new ConsumerBuilder<byte[], byte[]>(settings.Consumer("bench-check", group)).Build();
        var role = ProcessorRole.RunAsync(context, stop.Token);
        var rate = await MeasureAsync(checker, role, ct);
        stop.Cancel();
        await role;
        return rate;
    }

    internal static void Produce(KafkaClientSettings settings, PipelineOptions options)
    {
        var instruments = options.Instruments.Where(i => i.Exchange != "sim").Select(i => i.ToInstrumentRef()).ToArray();
        var config = settings.Producer("bench-input");
        config.QueueBufferingMaxMessages = 1_000_000;
        using var producer = new ProducerBuilder<byte[], byte[]>(config).Build();
        var rng = new Random(5);
        var t0 = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000 - Records * 1000L;
        var ids = new long[instruments.Length];
        for (var i = 0; i < Records; i++)
        {
            var k = i % instruments.Length;
            var t = t0 + i * 1000L; // 1000 trades per second of event time
            var trade = new Trade
            {
                Instrument = instruments[k],
                TradeId = ids[k]++,
                Price = Schemas.V1.Decimal.From(60000m + rng.Next(0, 100_000) / 100m),
                Size = Schemas.V1.Decimal.From(rng.Next(1, 100_000) / 100_000m),
                Aggressor = AggressorSide.Buy,
                EventTimeUs = t,
                ReceiveTimeUs = t,
                Origin = Origin.Live,
            };
            while (true)
            {
                try
                {
                    producer.Produce(
                        TopicCatalog.RawTrades.Name,
                        new Message<byte[], byte[]>
                        {
                            Key = System.Text.Encoding.UTF8.GetBytes(instruments[k].Key),
                            Value = trade.ToByteArray(),
                            Headers = MessageHeaders.For<Trade>(),
                        }
                    );
                    break;
                }
                catch (ProduceException<byte[], byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
                {
                    producer.Poll(TimeSpan.FromMilliseconds(10));
                }
            }
        }
        producer.Flush(TimeSpan.FromMinutes(2));
    }

    internal static async Task<double> CopyAsync(KafkaClientSettings settings, string group, CancellationToken ct)
    {
        // One long-lived checker: opening a client per sample would itself cost CPU the loop needs.
        using var checker = new ConsumerBuilder<byte[], byte[]>(settings.Consumer("bench-check", group)).Build();
        var loop = Task.Factory.StartNew(() => CopyLoop(settings, group), ct, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        var rate = await MeasureAsync(checker, loop, ct);
        await loop;
        return rate;
    }

    private static void CopyLoop(KafkaClientSettings settings, string group)
    {
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(settings.Consumer(group, group)).Build();
        using var producer = new ProducerBuilder<byte[]?, byte[]?>(settings.Producer(group, group)).Build();
        producer.InitTransactions(TimeSpan.FromSeconds(30));
        consumer.Subscribe(TopicCatalog.RawTrades.Name);
        var offsets = new Dictionary<TopicPartition, long>();
        var since = Stopwatch.StartNew();
        var n = 0;
        var inTx = false;
        var deadline = DateTime.UtcNow.AddMinutes(5);
        while (n < Records && DateTime.UtcNow < deadline)
        {
            var cr = consumer.Consume(50);
            if (cr is not null && !cr.IsPartitionEOF)
            {
                if (!inTx)
                {
                    producer.BeginTransaction();
                    inTx = true;
                }
                while (true)
                {
                    try
                    {
                        producer.Produce(
                            CopyTopic,
                            new Message<byte[]?, byte[]?>
                            {
                                Key = cr.Message.Key,
                                Value = cr.Message.Value,
                                Headers = cr.Message.Headers,
                            }
                        );
                        break;
                    }
                    catch (ProduceException<byte[]?, byte[]?> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
                    {
                        producer.Poll(TimeSpan.FromMilliseconds(5));
                    }
                }
                offsets[cr.TopicPartition] = cr.Offset.Value + 1;
                n++;
            }
            if (inTx && (since.ElapsedMilliseconds >= 100 || n == Records))
            {
                producer.SendOffsetsToTransaction(
                    offsets.Select(o => new TopicPartitionOffset(o.Key, o.Value)),
                    consumer.ConsumerGroupMetadata,
                    TimeSpan.FromSeconds(30)
                );
                producer.CommitTransaction(TimeSpan.FromSeconds(60));
                inTx = false;
                since.Restart();
            }
        }
        consumer.Close();
    }

    private static long CommittedCount(IConsumer<byte[], byte[]> c)
    {
        var parts = Enumerable.Range(0, Partitions).Select(p => new TopicPartition(TopicCatalog.RawTrades.Name, p)).ToList();
        return c.Committed(parts, TimeSpan.FromSeconds(10)).Sum(x => Math.Max(0, x.Offset.Value));
    }

    /// <summary>Steady-state rate: from the first committed progress to the last record, sampled every 50 ms
    /// (start-up, group join and state restore are left out, for both loops alike).</summary>
    private static async Task<double> MeasureAsync(IConsumer<byte[], byte[]> checker, Task running, CancellationToken ct)
    {
        long first = 0;
        var sw = new Stopwatch();
        while (true)
        {
            if (running.IsFaulted)
                throw running.Exception!;
            var n = CommittedCount(checker);
            if (n > 0 && !sw.IsRunning)
            {
                first = n;
                sw.Start();
            }
            if (n >= Records)
                break;
            await Task.Delay(50, ct);
        }
        return (Records - first) / sw.Elapsed.TotalSeconds;
    }
}
