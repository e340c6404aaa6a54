// Trade → candle update at a live client: a probe trade published to trades.raw with event time = now, timed until the
// candle update whose close is the probe's (unique) price arrives at an SSE client and a WebSocket client, through the
// real processor (exactly-once transactions, read_committed) and the API's feed. Two API instances on the same broker:
// throttle off (Api:StreamEventsPerSecond = 0) and the default (20/s). A background producer publishes trades of other
// instruments at a fixed rate meanwhile. Baseline measured in the same run: produce → consume of a plain record on the
// same broker (the floor any pipeline stage adds to).
using System.Diagnostics;
using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Pipeline.Api;
using Pipeline.Benchmarks.Broker;
using Pipeline.Plumbing;
using Pipeline.Plumbing.Configuration;
using Pipeline.Plumbing.Database;
using Pipeline.Plumbing.Kafka;
using Pipeline.Plumbing.Serialization;
using Pipeline.Plumbing.Topics;
using Pipeline.Processors;
using Pipeline.Schemas.V1;
using Pipeline.Testing;

namespace Pipeline.Benchmarks.Live;

public sealed class LiveLatencyBenchmark : IBenchmark
{
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(30);

    /// <summary>Probes of the first seconds are sent but not counted: the processor, the APIs and the clients compile
    /// and size their pools under the background load then (they set the p99 of a 30 s run when counted).</summary>
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan ProbeEvery = TimeSpan.FromMilliseconds(100);

    /// <summary>Background trades per second (the issue asks 20,000; PIPELINE_BENCH_LIVE_RATE overrides).</summary>
    private static int BackgroundRate =>
        int.TryParse(Environment.GetEnvironmentVariable("PIPELINE_BENCH_LIVE_RATE"), out var r) ? r : 20_000;

    public string Name => "live-latency";

    public async Task RunAsync(BenchmarkReport report, CancellationToken ct)
    {
        LibrdkafkaLoader.EnsureLoaded();
        await using var broker = await BrokerHostProcess.StartAsync(ct);
        var kafka = new KafkaClientSettings(broker.BootstrapServers);
        await TopicProvisioner.EnsureTopicsAsync(kafka, 3, 1, NullLogger.Instance, ct: ct);
        // The processor's own open-update throttle (Processing:OpenUpdateThrottleMs, 1 s by default) would dominate: off here,
        // so the figures are the pipeline's transport (processor commit interval, topics, feed, stream) plus the API throttle.
        var options = PipelineConfiguration.Load(
            file: null,
            environment: new Dictionary<string, string?>
            {
                ["PIPELINE__PROCESSING__OPENUPDATETHROTTLEMS"] =
                    Environment.GetEnvironmentVariable("PIPELINE_BENCH_LIVE_PROCESSOR_THROTTLE_MS") ?? "0",
                // The processor's transaction interval (Processing:CommitIntervalMs, 100 ms by default): a candle reaches
                // read_committed readers only when its transaction commits.
                ["PIPELINE__PROCESSING__COMMITINTERVALMS"] =
                    Environment.GetEnvironmentVariable("PIPELINE_BENCH_LIVE_COMMIT_INTERVAL_MS")
                    ?? new ProcessingOptions().CommitIntervalMs.ToString(CultureInfo.InvariantCulture),
                // ... and sooner once it has processed everything fetched (Processing:CaughtUpCommitIntervalMs, 10 ms; 0: off).
                ["PIPELINE__PROCESSING__CAUGHTUPCOMMITINTERVALMS"] =
                    Environment.GetEnvironmentVariable("PIPELINE_BENCH_LIVE_CAUGHT_UP_COMMIT_MS")
                    ?? new ProcessingOptions().CaughtUpCommitIntervalMs.ToString(CultureInfo.InvariantCulture),
            }
        );
        var probe = options.Instruments.Select(i => i.ToInstrumentRef()).First(i => i.Key == "binance:BTC/USDT:spot");
        var others = options.Instruments.Select(i => i.ToInstrumentRef()).Where(i => i.Key != probe.Key && i.Exchange != "sim").ToArray();

        report.Add("broker produce → consume (baseline), p50", await BrokerRoundTripAsync(kafka, ct), "ms");

        using var stop = new CancellationTokenSource();
        using var logs = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning));
        var processor = ProcessorRole.RunAsync(new PipelineContext(options, kafka, null, logs), stop.Token);
        var db = await TestPostgres.CreateDatabaseAsync();
        await using (var source = NpgsqlDataSource.Create(db))
            await InstrumentRegistry.SyncAsync(source, options.Instruments, ct);
        await using var unthrottled = await StartApiAsync(options, kafka, db, 0, ct);
        await using var throttled = await StartApiAsync(options, kafka, db, new ApiOptions().StreamEventsPerSecond, ct);

        var sent = new System.Collections.Concurrent.ConcurrentDictionary<string, long>(); // probe price → Stopwatch timestamp
        var clients = new (string Name, Func<Action<string>, CancellationToken, Task> Run)[]
        {
            ("SSE, throttle off", (on, t) => SseAsync(unthrottled.Urls.First(), probe.Key, on, t)),
            ("WebSocket, throttle off", (on, t) => SocketAsync(unthrottled.Urls.First(), probe.Key, on, t)),
            ("SSE, default throttle (20/s)", (on, t) => SseAsync(throttled.Urls.First(), probe.Key, on, t)),
            ("WebSocket, default throttle (20/s)", (on, t) => SocketAsync(throttled.Urls.First(), probe.Key, on, t)),
        };
        // A probe counts as delivered when an update reflecting it or a later probe arrives (the latest state wins).
        var latencies = clients.Select(_ => new List<(int Probe, double Ms)>()).ToArray();
        var resolved = new int[clients.Length]; // probes 1..resolved[i] are delivered to client i
        var sentAt = new long[100_000];
        using var run = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var readers = clients
            .Select(
                (c, i) =>
                    Task.Run(() =>
                        c.Run(
                            close =>
                            {
                                var now = Stopwatch.GetTimestamp();
                                if (!sent.TryGetValue(close, out _))
                                    return;
                                var j = (int)((decimal.Parse(close, CultureInfo.InvariantCulture) - 90_000m) * 100);
                                lock (latencies[i])
                                    for (; resolved[i] < j; resolved[i]++)
                                        latencies[i]
                                            .Add(
                                                (resolved[i] + 1, Stopwatch.GetElapsedTime(sentAt[resolved[i] + 1], now).TotalMilliseconds)
                                            );
                            },
                            run.Token
                        )
                    )
            )
            .ToArray();
        await Task.WhenAll(
            unthrottled.Services.GetRequiredService<CandleFeed>().Positioned,
            throttled.Services.GetRequiredService<CandleFeed>().Positioned
        );

        var background = Task.Factory.StartNew(() => Background(kafka, others, run.Token), TaskCreationOptions.LongRunning);
        var warmUpProbes = 0;
        using (var producer = new ProducerBuilder<byte[], byte[]>(kafka.Producer("bench-probe")).Build())
        {
            var clock = Stopwatch.StartNew();
            for (var n = 1; clock.Elapsed < WarmUp + Duration; n++)
            {
                if (clock.Elapsed < WarmUp)
                    warmUpProbes = n;
                var price = 90_000m + n / 100m;
                var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;
                var trade = new Trade
                {
                    Instrument = probe,
                    TradeId = n,
                    Price = Schemas.V1.Decimal.From(price),
                    Size = Schemas.V1.Decimal.From(0.001m),
                    Aggressor = AggressorSide.Buy,
                    EventTimeUs = now,
                    ReceiveTimeUs = now,
                    Origin = Origin.Live,
                };
                sentAt[n] = Stopwatch.GetTimestamp();
                sent[price.ToString(CultureInfo.InvariantCulture)] = sentAt[n];
                producer.Produce(
                    TopicCatalog.RawTrades.Name,
                    new Message<byte[], byte[]>
                    {
                        Key = Encoding.UTF8.GetBytes(probe.Key),
                        Value = trade.ToByteArray(),
                        Headers = MessageHeaders.For<Trade>(),
                    }
                );
                producer.Flush(TimeSpan.FromSeconds(5));
                await Task.Delay(ProbeEvery, ct); // the probe rate, not synchronisation
            }
        }
        await Task.Delay(TimeSpan.FromSeconds(3), ct); // let the last probes arrive
        run.Cancel();
        var achieved = await background;
        try
        {
            await Task.WhenAll(readers);
        }
        catch (OperationCanceledException) { }
        catch (WebSocketException) { }
        catch (HttpRequestException) { }
        catch (IOException) { }
        stop.Cancel();
        await processor;

        report.Add("background load achieved (issue asks 20,000)", achieved, "trades/s");
        // The cost of short transactions while live: every commit writes the changelog records of the state it changed
        // (and a commit marker per partition). Offsets advanced in the changelogs over the whole run (they start empty).
        using (var counter = new ConsumerBuilder<byte[], byte[]>(kafka.Consumer("bench-live-count", "bench-live-count")).Build())
        {
            var changelogs = new[] { TopicCatalog.ValidatorState, TopicCatalog.AggregatorState, TopicCatalog.IndicatorState };
            long written = 0;
            foreach (var topic in changelogs)
                for (var p = 0; p < 3; p++)
                    written += counter.QueryWatermarkOffsets(new TopicPartition(topic.Name, p), TimeSpan.FromSeconds(5)).High.Value;
            report.Add("changelog records and commit markers written", written / (WarmUp + Duration).TotalSeconds, "per second");
        }
        for (var i = 0; i < clients.Length; i++)
        {
            var l = latencies[i].Where(p => p.Probe > warmUpProbes).Select(p => p.Ms).Order().ToArray();
            report.Add(
                $"{clients[i].Name}: probes delivered",
                l.Length,
                $"of {sent.Count - warmUpProbes} (after {warmUpProbes} warm-up probes)"
            );
            if (l.Length == 0)
                continue;
            report.Add(
                $"{clients[i].Name}: trade → candle update p50",
                l[l.Length / 2],
                "ms",
                baseline: "broker produce → consume (baseline), p50"
            );
            report.Add($"{clients[i].Name}: trade → candle update p99", l[Math.Min(l.Length - 1, (int)(l.Length * 0.99))], "ms");
        }
    }

    private static async Task<WebApplication> StartApiAsync(
        PipelineOptions options,
        KafkaClientSettings kafka,
        string db,
        int eventsPerSecond,
        CancellationToken ct
    )
    {
        var o = PipelineConfiguration.Load(
            file: null,
            environment: new Dictionary<string, string?>
            {
                ["PIPELINE__API__STREAMEVENTSPERSECOND"] = eventsPerSecond.ToString(CultureInfo.InvariantCulture),
                ["PIPELINE__API__RATELIMITPERSECOND"] = "0",
            }
        );
        o.Instruments = options.Instruments;
        var app = ApiApp.Build(new PipelineContext(o, kafka, db, NullLoggerFactory.Instance), "http://127.0.0.1:0");
        await app.StartAsync(ct);
        return app;
    }

    /// <summary>Publishes trades of other instruments at <see cref="BackgroundRate"/> per second; returns the rate achieved.</summary>
    private static double Background(KafkaClientSettings kafka, InstrumentRef[] instruments, CancellationToken ct)
    {
        var config = kafka.Producer("bench-background");
        config.LingerMs = 5;
        using var producer = new ProducerBuilder<byte[], byte[]>(config).Build();
        var keys = instruments.Select(i => Encoding.UTF8.GetBytes(i.Key)).ToArray();
        var ids = new long[instruments.Length];
        var clock = Stopwatch.StartNew();
        long n = 0;
        while (!ct.IsCancellationRequested)
        {
            var due = (long)(clock.Elapsed.TotalSeconds * BackgroundRate);
            for (; n < due; n++)
            {
                var k = (int)(n % instruments.Length);
                var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;
                var trade = new Trade
                {
                    Instrument = instruments[k],
                    TradeId = ++ids[k],
                    Price = Schemas.V1.Decimal.From(100m + n % 1000 / 100m),
                    Size = Schemas.V1.Decimal.From(0.01m),
                    Aggressor = AggressorSide.Sell,
                    EventTimeUs = now,
                    ReceiveTimeUs = now,
                    Origin = Origin.Live,
                };
                try
                {
                    producer.Produce(
                        TopicCatalog.RawTrades.Name,
                        new Message<byte[], byte[]>
                        {
                            Key = keys[k],
                            Value = trade.ToByteArray(),
                            Headers = MessageHeaders.For<Trade>(),
                        }
                    );
                }
                catch (ProduceException<byte[], byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
                {
                    producer.Poll(TimeSpan.FromMilliseconds(5));
                    n--;
                }
            }
            producer.Poll(TimeSpan.FromMilliseconds(2)); // pacing of a fixed-rate load generator
        }
        producer.Flush(TimeSpan.FromSeconds(10));
        return n / clock.Elapsed.TotalSeconds;
    }

    private static async Task SseAsync(string baseUrl, string instrument, Action<string> onClose, CancellationToken ct)
    {
        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        using var response = await http.GetAsync(
            $"{baseUrl}/stream/candles?instruments={Uri.EscapeDataString(instrument)}&intervals=1m",
            HttpCompletionOption.ResponseHeadersRead,
            ct
        );
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
        while (await reader.ReadLineAsync(ct) is { } line)
            if (line.StartsWith("data: {\"instrument\"", StringComparison.Ordinal))
                onClose(JsonDocument.Parse(line[6..]).RootElement.GetProperty("close").GetString()!);
    }

    private static async Task SocketAsync(string baseUrl, string instrument, Action<string> onClose, CancellationToken ct)
    {
        using var ws = new ClientWebSocket();
        await ws.ConnectAsync(new Uri(baseUrl.Replace("http://", "ws://") + "/stream/ws"), ct);
        var subscribe =
            $"{{\"op\":\"subscribe\",\"instruments\":[\"{instrument}\"],\"intervals\":[\"1m\"],\"channels\":[\"updates\",\"closes\"]}}";
        await ws.SendAsync(Encoding.UTF8.GetBytes(subscribe), WebSocketMessageType.Text, true, ct);
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var r = await ws.ReceiveAsync(buffer, ct);
            if (r.MessageType == WebSocketMessageType.Close)
                return;
            using var doc = JsonDocument.Parse(buffer.AsMemory(0, r.Count));
            if (doc.RootElement.TryGetProperty("data", out var data) && data.TryGetProperty("close", out var close))
                onClose(close.GetString()!);
        }
    }

    /// <summary>p50 of produce → consume of one record at a time on the same broker (read_committed consumer).</summary>
    private static async Task<double> BrokerRoundTripAsync(KafkaClientSettings kafka, CancellationToken ct)
    {
        const string topic = "bench.live.roundtrip";
        await TopicProvisioner.EnsureTopicsAsync(
            kafka,
            1,
            1,
            NullLogger.Instance,
            [new TopicSpec(topic, "none", typeof(Trade), "benchmark round trip")],
            ct
        );
        using var producer = new ProducerBuilder<byte[], byte[]>(kafka.Producer("bench-rt")).Build();
        using var consumer = new ConsumerBuilder<byte[], byte[]>(
            kafka.Consumer("bench-rt", "bench-rt-" + Guid.NewGuid().ToString("N"))
        ).Build();
        consumer.Assign(new TopicPartitionOffset(topic, 0, Offset.End));
        var samples = new List<double>();
        for (var i = 0; i < 200; i++)
        {
            var at = Stopwatch.GetTimestamp();
            producer.Produce(topic, new Message<byte[], byte[]> { Value = BitConverter.GetBytes(i) });
            producer.Flush(TimeSpan.FromSeconds(5));
            while (consumer.Consume(TimeSpan.FromSeconds(5)) is { } r && BitConverter.ToInt32(r.Message.Value) != i) { }
            if (i >= 20)
                samples.Add(Stopwatch.GetElapsedTime(at).TotalMilliseconds); // after warm-up
        }
        samples.Sort();
        return samples[samples.Count / 2];
    }
}
