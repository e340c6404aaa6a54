using Pipeline.Embedded;
using Pipeline.Plumbing.Kafka;
using Pipeline.Plumbing.Topics;

namespace Pipeline.Benchmarks.Broker;

/// <summary>
/// Embedded broker throughput with real librdkafka clients: produce (~100-byte records, lz4), consume, and a
/// transactional consume-transform-produce loop; the librdkafka mock cluster is measured in the same run as
/// the reference (it keeps everything in memory and does no disk I/O).
/// </summary>
public sealed class BrokerThroughputBenchmark : IBenchmark
{
    public string Name => "broker-throughput";

    private static TopicSpec Spec(string name) =>
        new(name, "none", typeof(byte[]), "benchmark data", Partitions: BrokerWorkloads.Partitions);

    public async Task RunAsync(BenchmarkReport report, CancellationToken ct)
    {
        LibrdkafkaLoader.EnsureLoaded();

        using (var mock = MockKafkaCluster.Start(3, BrokerWorkloads.Partitions, [Spec("bench-in"), Spec("bench-out")]))
        {
            var (p, c, t) = await BrokerWorkloads.MeasureAsync(mock.BootstrapServers, createTopics: false, ct);
            report.Add("mock cluster produce", p, "records/s");
            report.Add("mock cluster consume", c, "records/s");
            report.Add("mock cluster transactional copy", t, "records/s");
        }

        await using (var broker = await BrokerHostProcess.StartAsync(ct))
        {
            var (p, c, t) = await BrokerWorkloads.MeasureAsync(broker.BootstrapServers, createTopics: true, ct);
            report.Add("embedded broker produce", p, "records/s", "mock cluster produce");
            report.Add("embedded broker consume", c, "records/s", "mock cluster consume");
            report.Add("embedded broker transactional copy", t, "records/s", "mock cluster transactional copy");
        }
    }
}
