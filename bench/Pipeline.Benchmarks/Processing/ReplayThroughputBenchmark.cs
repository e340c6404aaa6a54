// Replay (issue 13) on the embedded broker (its own process): records/s of a replay of the whole range into a new
// version, from trades.valid and with --revalidate from trades.raw, divided by the transactional copy loop over the
// same 1,000,000 trades on the same broker in the same run (ProcessorThroughputBenchmark's loop and input).
using System.Diagnostics;
using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Benchmarks.Broker;
using Pipeline.Plumbing.Configuration;
using Pipeline.Plumbing.Kafka;
using Pipeline.Plumbing.Topics;
using Pipeline.Processors.Replay;
using Pipeline.Schemas;
using Pipeline.Schemas.V1;

namespace Pipeline.Benchmarks.Processing;

public sealed class ReplayThroughputBenchmark : IBenchmark
{
    public string Name => "replay-end-to-end";

    public async Task RunAsync(BenchmarkReport report, CancellationToken ct)
    {
        LibrdkafkaLoader.EnsureLoaded();
        var options = PipelineConfiguration.Load(file: null, environment: new Dictionary<string, string?>());
        double copy = 0,
            valid = 0,
            raw = 0;
        // Best of two rounds, each on a fresh broker: the 2 cores are shared, single runs are noisy.
        for (var round = 0; round < 2; round++)
        {
            await using var broker = await BrokerHostProcess.StartAsync(ct);
            var settings = new KafkaClientSettings(broker.BootstrapServers);
            await TopicProvisioner.EnsureTopicsAsync(
                settings,
                ProcessorThroughputBenchmark.Partitions,
                1,
                NullLogger.Instance,
                TopicCatalog.All.Append(
                    new TopicSpec(ProcessorThroughputBenchmark.CopyTopic, "instrument key", typeof(Trade), "benchmark copy target")
                ),
                ct
            );
            ProcessorThroughputBenchmark.Produce(settings, options);
            var c = await ProcessorThroughputBenchmark.CopyAsync(settings, $"bench-copy-{round}", ct);
            // The live processor fills trades.valid, the replay's default input.
            var live = await ProcessorThroughputBenchmark.ProcessorAsync(settings, $"bench-processors-{round}", ct);
            var v = await ReplayAsync(settings, options, $"bench-valid-{round}", revalidate: false, ct);
            var r = await ReplayAsync(settings, options, $"bench-raw-{round}", revalidate: true, ct);
            Console.WriteLine(
                $"  round {round + 1}: copy {c:N0}/s, live processor {live:N0}/s, replay of trades.valid {v:N0}/s, "
                    + $"replay --revalidate {r:N0}/s"
            );
            copy = Math.Max(copy, c);
            valid = Math.Max(valid, v);
            raw = Math.Max(raw, r);
        }
        report.Add("transactional copy loop, records/s", copy, "records/s");
        report.Add(
            "replay of trades.valid into a new version (14 intervals, 13 indicators, changelogs), records/s",
            valid,
            "records/s",
            baseline: "transactional copy loop, records/s",
            targetRatio: 0.8
        );
        report.Add(
            "replay --revalidate of trades.raw, records/s",
            raw,
            "records/s",
            baseline: "transactional copy loop, records/s",
            targetRatio: 0.8
        );
    }

    /// <summary>Steady-state rate like the copy loop's: input offsets committed per second from the replay's first
    /// commit to its last (planning, topic creation and start-up left out).</summary>
    private static async Task<double> ReplayAsync(
        KafkaClientSettings settings,
        PipelineOptions options,
        string version,
        bool revalidate,
        CancellationToken ct
    )
    {
        var request = new ReplayRequest
        {
            Version = DataVersion.Parse(version),
            FromUs = 0,
            ToUs = UnixMicros.Now().Value,
            Revalidate = revalidate,
            Processing = options.Processing,
        };
        var job = await ReplayJob.PlanAsync(
            settings,
            request,
            options.Instruments.Select(i => i.ToInstrumentRef().Key).ToList(),
            NullLoggerFactory.Instance,
            ct
        );
        var parts = Enumerable.Range(0, job.Plan.Start.Count).Select(p => new TopicPartition(job.Plan.Input, p)).ToList();
        using var checker = new ConsumerBuilder<byte[], byte[]>(settings.Consumer("bench-check", job.Processing.GroupId)).Build();
        var running = job.RunAsync(null, ct);
        long first = 0;
        var sw = new Stopwatch();
        while (!running.IsCompleted)
        {
            var n = checker.Committed(parts, TimeSpan.FromSeconds(10)).Sum(x => Math.Max(0, x.Offset.Value));
            if (n > 0 && !sw.IsRunning)
            {
                first = n;
                sw.Start();
            }
            await Task.Delay(50, ct);
        }
        var result = await running;
        if (!result.Complete)
            throw new InvalidOperationException($"replay {version} did not complete");
        sw.Stop();
        var total = job.Plan.End.Sum();
        return sw.IsRunning || sw.Elapsed == TimeSpan.Zero
            ? total / result.Elapsed.TotalSeconds
            : (total - first) / sw.Elapsed.TotalSeconds;
    }
}
