using System.Diagnostics;
using Confluent.Kafka;
using Pipeline.Testing;

namespace Pipeline.Broker.Tests;

/// <summary>Start-up and shutdown of the embedded broker as the pipeline hosts it.</summary>
public sealed class BrokerLifecycleTests
{
    [Fact]
    public async Task Broker_stops_promptly_while_a_consumer_waits_in_a_rebalance()
    {
        var broker = await InProcessBroker.StartAsync(o => o.InitialRebalanceDelay = TimeSpan.FromMinutes(5));
        await broker.CreateTopicAsync("waiting");
        using var consumer = Clients.Consumer(broker.BootstrapServers, "stuck", configure: c => c.EnablePartitionEof = false);
        consumer.Subscribe("waiting");
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.BootstrapServers }).Build())
        {
            // JoinGroup is parked by the long initial rebalance delay.
            await Eventually.TrueAsync(
                () =>
                {
                    consumer.Consume(50);
                    var d = admin.DescribeConsumerGroupsAsync(["stuck"]).GetAwaiter().GetResult();
                    return d.ConsumerGroupDescriptions[0].State == ConsumerGroupState.PreparingRebalance;
                },
                TimeSpan.FromSeconds(30),
                "the consumer to wait in JoinGroup"
            );
        }
        var sw = Stopwatch.StartNew();
        await broker.DisposeAsync();
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5), $"stop took {sw.Elapsed}");
    }

    [Fact]
    public async Task Second_broker_on_the_same_data_directory_is_refused()
    {
        await using var broker = await InProcessBroker.StartAsync();
        var error = await Assert.ThrowsAsync<DataDirectoryInUseException>(() =>
            KafkaBroker.StartAsync(new BrokerOptions { Port = 0, DataDir = broker.DataDir })
        );
        Assert.Contains("in use", error.Message);
    }

    [Fact]
    public async Task Port_zero_picks_a_free_port_and_bootstrap_servers_names_it()
    {
        await using var broker = await InProcessBroker.StartAsync();
        Assert.NotEqual(0, broker.Broker.Port);
        Assert.Equal($"127.0.0.1:{broker.Broker.Port}", broker.BootstrapServers);
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.BootstrapServers }).Build();
        var meta = admin.GetMetadata(TimeSpan.FromSeconds(10));
        Assert.Equal(broker.Broker.Port, meta.Brokers.Single().Port);
    }
}
