using Confluent.Kafka;
using Pipeline.Testing;

namespace Pipeline.Broker.Tests;

/// <summary>Scenario 9: restarts during production lose nothing acknowledged and show nothing torn.</summary>
public sealed class BrokerRestartTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Every_record_acknowledged_with_acks_all_survives_a_broker_restart_during_production(bool kill9)
    {
        using var dir = new TestDirectory();
        await using var broker = await BrokerProcess.StartAsync(dir.Path);
        await Clients.CreateTopicAsync(broker.BootstrapServers, "durable", 2);

        var acked = new System.Collections.Concurrent.ConcurrentBag<string>();
        using var producer = Clients.Producer(
            broker.BootstrapServers,
            c =>
            {
                c.EnableIdempotence = true;
                c.Acks = Acks.All;
                c.LingerMs = 2;
                c.CompressionType = CompressionType.Lz4;
                c.MessageTimeoutMs = 120_000;
                c.ReconnectBackoffMs = 20;
                c.ReconnectBackoffMaxMs = 200;
            }
        );
        int sent = 0;
        using var stop = new CancellationTokenSource();
        var production = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                int i = sent++;
                producer.Produce(
                    "durable",
                    new Message<string, string> { Key = $"k{i}", Value = $"v{i}" },
                    r =>
                    {
                        if (!r.Error.IsError)
                            acked.Add(r.Message.Value);
                    }
                );
                if (i % 100 == 0)
                    await Task.Delay(1);
            }
        });
        await Eventually.TrueAsync(() => acked.Count > 2000, TimeSpan.FromSeconds(60), "records to be acknowledged before the restart");
        if (kill9)
            broker.Kill();
        else
            await broker.StopAsync();
        int ackedAtStop = acked.Count;
        await broker.RestartAsync();
        await Eventually.TrueAsync(
            () => acked.Count > ackedAtStop + 2000,
            TimeSpan.FromSeconds(60),
            "production to resume after the restart"
        );
        stop.Cancel();
        await production;
        Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(60)));

        using var consumer = Clients.Consumer(broker.BootstrapServers, "verify", IsolationLevel.ReadUncommitted, c => c.CheckCrcs = true);
        var read = Clients.ReadAll(consumer, "durable", 2, minCount: acked.Count, timeout: TimeSpan.FromSeconds(60));
        var stored = read.Select(r => r.Value).ToHashSet();
        var missing = acked.Where(v => !stored.Contains(v)).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} acknowledged records missing, e.g. {string.Join(",", missing.Take(5))}");
        Assert.Equal(read.Count, stored.Count); // no duplicates either (idempotent producer)
    }

    [Fact]
    public void Torn_last_batch_is_truncated_on_recovery()
    {
        using var dir = new TestDirectory();
        var options = new BrokerOptions { DataDir = dir.Path };
        var partitionDir = Path.Combine(dir.Path, "p");
        var config = new TopicConfig(options);
        using (var log = new PartitionLog("t", 0, partitionDir, () => config, _ => { }))
        {
            Assert.Equal(ErrorCode.None, log.Append(RawBatches.Plain("a", "b"), out _, out _));
            Assert.Equal(ErrorCode.None, log.Append(RawBatches.Plain("c"), out _, out _));
        }
        var segment = Directory.GetFiles(partitionDir, "*.log").Single();
        long whole = new FileInfo(segment).Length;
        using (var f = new FileStream(segment, FileMode.Append))
            f.Write(RawBatches.Plain("torn").AsSpan(0, 40)); // half a batch
        using (var log = new PartitionLog("t", 0, partitionDir, () => config, _ => { }))
        {
            Assert.Equal(3, log.HighWatermark);
            Assert.Equal(whole, new FileInfo(segment).Length);
            Assert.Equal(ErrorCode.None, log.Append(RawBatches.Plain("d"), out long offset, out _));
            Assert.Equal(3, offset);
        }
    }
}
