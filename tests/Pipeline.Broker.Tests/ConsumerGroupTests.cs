using Confluent.Kafka;
using Pipeline.Testing;

namespace Pipeline.Broker.Tests;

/// <summary>Scenario 7: classic consumer groups across separate consumer processes.</summary>
public sealed class ConsumerGroupTests
{
    private const string Topic = "shared";
    private const int Partitions = 4;

    private static void ProduceNumbered(string bootstrap, int from, int count)
    {
        using var producer = Clients.Producer(bootstrap);
        for (int i = from; i < from + count; i++)
            producer.Produce(new TopicPartition(Topic, i % Partitions), new Message<string, string> { Key = $"k{i}", Value = $"r{i}" });
        producer.Flush();
    }

    private static ChildProcess StartMember(string bootstrap, string assignor, int sessionMs = 6000) =>
        TestHost.Start(
            "consume",
            "--bootstrap",
            bootstrap,
            "--topic",
            Topic,
            "--group",
            "workers",
            "--assignor",
            assignor,
            "--session-ms",
            sessionMs.ToString()
        );

    private static List<string> Records(ChildProcess p) => p.Output.Where(l => l.StartsWith("REC ")).Select(l => l.Split(' ')[3]).ToList();

    /// <summary>Partitions a member owns now, from its ASSIGNED/REVOKED lines (eager lists all, cooperative lists the change).</summary>
    private static HashSet<int> Owned(ChildProcess p, bool cooperative)
    {
        var owned = new HashSet<int>();
        foreach (var line in p.Output)
        {
            if (!line.StartsWith("ASSIGNED ") && !line.StartsWith("REVOKED "))
                continue;
            var parts = line.Split(' ', 2)[1].Split(',', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse);
            if (line.StartsWith("ASSIGNED "))
            {
                if (!cooperative)
                    owned.Clear();
                owned.UnionWith(parts);
            }
            else
                owned.ExceptWith(parts);
        }
        return owned;
    }

    [Theory]
    [InlineData("range")]
    [InlineData("cooperative-sticky")]
    public async Task Two_consumer_processes_share_partitions_and_hand_off_without_loss_or_duplicates(string assignor)
    {
        bool cooperative = assignor == "cooperative-sticky";
        await using var broker = await InProcessBroker.StartAsync();
        await broker.CreateTopicAsync(Topic, Partitions);
        ProduceNumbered(broker.BootstrapServers, 0, 200);

        using var a = StartMember(broker.BootstrapServers, assignor);
        await Eventually.TrueAsync(() => Records(a).Count == 200, TimeSpan.FromSeconds(60), "member A to read the first 200");

        using var b = StartMember(broker.BootstrapServers, assignor);
        await Eventually.TrueAsync(
            () => Owned(a, cooperative).Count == 2 && Owned(b, cooperative).Count == 2,
            TimeSpan.FromSeconds(60),
            "the partitions to be shared two and two"
        );
        ProduceNumbered(broker.BootstrapServers, 200, 200);
        await Eventually.TrueAsync(() => Records(a).Count + Records(b).Count >= 400, TimeSpan.FromSeconds(60), "400 records between them");

        await a.StopAsync(sigterm: false); // leaves the group: B takes everything over
        await Eventually.TrueAsync(() => Owned(b, cooperative).Count == Partitions, TimeSpan.FromSeconds(60), "B to own every partition");
        ProduceNumbered(broker.BootstrapServers, 400, 200);
        await Eventually.TrueAsync(() => Records(a).Count + Records(b).Count >= 600, TimeSpan.FromSeconds(60), "600 records between them");

        var all = Records(a).Concat(Records(b)).ToList();
        Assert.Equal(600, all.Count);
        Assert.Equal(Enumerable.Range(0, 600).Select(i => $"r{i}").OrderBy(s => s), all.OrderBy(s => s));
    }

    [Fact]
    public async Task Member_killed_with_kill_9_is_evicted_after_its_session_timeout_and_its_partitions_reassigned()
    {
        await using var broker = await InProcessBroker.StartAsync();
        await broker.CreateTopicAsync(Topic, Partitions);
        using var a = StartMember(broker.BootstrapServers, "range", sessionMs: 3000);
        await Eventually.TrueAsync(() => Owned(a, false).Count == Partitions, TimeSpan.FromSeconds(60), "A to own every partition");
        using var b = StartMember(broker.BootstrapServers, "range", sessionMs: 3000);
        await Eventually.TrueAsync(
            () => Owned(a, false).Count == 2 && Owned(b, false).Count == 2,
            TimeSpan.FromSeconds(60),
            "a two-two split"
        );

        a.Kill();
        var killedAt = DateTime.UtcNow;
        await Eventually.TrueAsync(() => Owned(b, false).Count == Partitions, TimeSpan.FromSeconds(30), "B to be given A's partitions");
        Assert.True(DateTime.UtcNow - killedAt < TimeSpan.FromSeconds(20));
        ProduceNumbered(broker.BootstrapServers, 0, 100);
        await Eventually.TrueAsync(() => Records(b).Count == 100, TimeSpan.FromSeconds(30), "B to read everything");
    }

    [Fact]
    public async Task Committed_offsets_survive_restarts_of_the_consumer_and_of_the_broker()
    {
        await using var broker = await InProcessBroker.StartAsync();
        await broker.CreateTopicAsync(Topic, 1);
        using (var producer = Clients.Producer(broker.BootstrapServers))
        {
            for (int i = 0; i < 10; i++)
                producer.Produce(Topic, new Message<string, string> { Key = "k", Value = $"r{i}" });
            producer.Flush();
        }
        var tp = new TopicPartition(Topic, 0);
        using (var consumer = Clients.Consumer(broker.BootstrapServers, "durable"))
        {
            consumer.Subscribe(Topic);
            await Clients.TakeAsync(consumer, 6);
            consumer.Commit([new TopicPartitionOffset(tp, 6)]);
            consumer.Close();
        }
        await broker.RestartAsync();
        using (var again = Clients.Consumer(broker.BootstrapServers, "durable"))
        {
            Assert.Equal(6, again.Committed([tp], TimeSpan.FromSeconds(10))[0].Offset.Value);
            again.Subscribe(Topic);
            var first = (await Clients.TakeAsync(again, 1)).Single();
            Assert.Equal("r6", first.Message.Value);
            again.Close();
        }
    }

    [Fact]
    public async Task Admin_lists_describes_and_deletes_groups_and_their_offsets()
    {
        await using var broker = await InProcessBroker.StartAsync();
        await broker.CreateTopicAsync(Topic, 1);
        using (var consumer = Clients.Consumer(broker.BootstrapServers, "audited"))
        {
            consumer.Subscribe(Topic);
            await Clients.AssignedAsync(consumer, 1, "assignment");
            consumer.Commit([new TopicPartitionOffset(Topic, 0, 0)]);
            using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.BootstrapServers }).Build();
            var described = await admin.DescribeConsumerGroupsAsync(["audited"]);
            Assert.Equal(ConsumerGroupState.Stable, described.ConsumerGroupDescriptions[0].State);
            Assert.Single(described.ConsumerGroupDescriptions[0].Members);
            var listed = await admin.ListConsumerGroupsAsync();
            Assert.Contains(listed.Valid, g => g.GroupId == "audited");
            consumer.Close();
            await admin.DeleteConsumerGroupOffsetsAsync("audited", [new TopicPartition(Topic, 0)]);
            await admin.DeleteGroupsAsync(["audited"]);
            listed = await admin.ListConsumerGroupsAsync();
            Assert.DoesNotContain(listed.Valid, g => g.GroupId == "audited");
        }
    }

    [Fact]
    public async Task Committed_offsets_survive_a_broker_kill_9()
    {
        using var dir = new TestDirectory();
        await using var broker = await BrokerProcess.StartAsync(dir.Path);
        await Clients.CreateTopicAsync(broker.BootstrapServers, Topic, 2);
        using (var consumer = Clients.Consumer(broker.BootstrapServers, "survivors"))
        {
            consumer.Commit([new TopicPartitionOffset(Topic, 0, 42), new TopicPartitionOffset(Topic, 1, 7)]);
        }
        broker.Kill();
        await broker.RestartAsync();
        using var again = Clients.Consumer(broker.BootstrapServers, "survivors");
        var committed = again.Committed([new TopicPartition(Topic, 0), new TopicPartition(Topic, 1)], TimeSpan.FromSeconds(30));
        Assert.Equal([42L, 7L], committed.Select(c => c.Offset.Value));
    }
}
