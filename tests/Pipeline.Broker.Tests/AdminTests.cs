using System.Diagnostics;
using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace Pipeline.Broker.Tests;

/// <summary>Scenario 11: AdminClient topic management and configs, and kcat -L/-P/-C.</summary>
public sealed class AdminTests
{
    private static IAdminClient Admin(string bootstrap)
    {
        Librdkafka.EnsureLoaded();
        return new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap }).Build();
    }

    [Fact]
    public async Task AdminClient_creates_grows_describes_alters_and_deletes_topics()
    {
        await using var broker = await InProcessBroker.StartAsync();
        using var admin = Admin(broker.BootstrapServers);
        await admin.CreateTopicsAsync([new TopicSpecification
        {
            Name = "trades", NumPartitions = 2, ReplicationFactor = 1,
            Configs = new() { ["retention.ms"] = "3600000", ["cleanup.policy"] = "delete" },
        }]);
        var meta = admin.GetMetadata("trades", TimeSpan.FromSeconds(10));
        Assert.Equal(2, meta.Topics.Single().Partitions.Count);

        var duplicate = await Assert.ThrowsAsync<CreateTopicsException>(() =>
            admin.CreateTopicsAsync([new TopicSpecification { Name = "trades", NumPartitions = 1, ReplicationFactor = 1 }]));
        Assert.Equal(Confluent.Kafka.ErrorCode.TopicAlreadyExists, duplicate.Results[0].Error.Code);

        var replicated = await Assert.ThrowsAsync<CreateTopicsException>(() =>
            admin.CreateTopicsAsync([new TopicSpecification { Name = "replicated", NumPartitions = 1, ReplicationFactor = 3 }]));
        Assert.Equal(Confluent.Kafka.ErrorCode.InvalidReplicationFactor, replicated.Results[0].Error.Code);
        Assert.Contains("single node", replicated.Results[0].Error.Reason);

        await admin.CreatePartitionsAsync([new PartitionsSpecification { Topic = "trades", IncreaseTo = 4 }]);
        Assert.Equal(4, admin.GetMetadata("trades", TimeSpan.FromSeconds(10)).Topics.Single().Partitions.Count);

        var resource = new ConfigResource { Type = ResourceType.Topic, Name = "trades" };
        var described = (await admin.DescribeConfigsAsync([resource])).Single();
        Assert.Equal("3600000", described.Entries["retention.ms"].Value);
        Assert.Equal("delete", described.Entries["cleanup.policy"].Value);

        await admin.AlterConfigsAsync(new Dictionary<ConfigResource, List<ConfigEntry>>
        {
            [resource] = [new ConfigEntry { Name = "retention.ms", Value = "7200000" }, new ConfigEntry { Name = "message.timestamp.type", Value = "LogAppendTime" }],
        });
        described = (await admin.DescribeConfigsAsync([resource])).Single();
        Assert.Equal("7200000", described.Entries["retention.ms"].Value);
        Assert.Equal("LogAppendTime", described.Entries["message.timestamp.type"].Value);

        await admin.DeleteTopicsAsync(["trades"]);
        await Eventually.TrueAsync(() => admin.GetMetadata(TimeSpan.FromSeconds(10)).Topics.All(t => t.Topic != "trades"),
            TimeSpan.FromSeconds(10), "the topic to disappear");
    }

    [Fact]
    public async Task Topics_are_not_created_by_metadata_requests_unless_auto_creation_is_enabled()
    {
        await using var broker = await InProcessBroker.StartAsync();
        using var producer = Clients.Producer(broker.BootstrapServers, c => c.MessageTimeoutMs = 2000);
        var error = await Assert.ThrowsAsync<ProduceException<string, string>>(() =>
            producer.ProduceAsync("nobody-created-this", new Message<string, string> { Key = "k", Value = "v" }));
        Assert.True(error.Error.Code is Confluent.Kafka.ErrorCode.UnknownTopicOrPart or Confluent.Kafka.ErrorCode.Local_UnknownTopic
            or Confluent.Kafka.ErrorCode.Local_MsgTimedOut, error.Error.ToString());

        await using var auto = await InProcessBroker.StartAsync(o => { o.AutoCreateTopics = true; o.DefaultPartitions = 3; });
        using var autoProducer = Clients.Producer(auto.BootstrapServers);
        await autoProducer.ProduceAsync("created-on-demand", new Message<string, string> { Key = "k", Value = "v" });
        using var admin = Admin(auto.BootstrapServers);
        Assert.Equal(3, admin.GetMetadata("created-on-demand", TimeSpan.FromSeconds(10)).Topics.Single().Partitions.Count);
    }

    [Fact]
    public async Task Kcat_lists_produces_and_consumes()
    {
        await using var broker = await InProcessBroker.StartAsync();
        await broker.CreateTopicAsync("kcat-topic", partitions: 2);

        var list = await Kcat(broker.BootstrapServers, null, "-L");
        Assert.Contains("topic \"kcat-topic\" with 2 partitions", list);

        await Kcat(broker.BootstrapServers, "alpha\nbeta\ngamma\n", "-P", "-t", "kcat-topic", "-p", "1");
        var consumed = await Kcat(broker.BootstrapServers, null, "-C", "-t", "kcat-topic", "-p", "1", "-o", "beginning", "-e", "-f", "%o:%s\\n");
        Assert.Equal(["0:alpha", "1:beta", "2:gamma"], consumed.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    private static async Task<string> Kcat(string bootstrap, string? stdin, params string[] args)
    {
        var psi = new ProcessStartInfo("kcat") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        psi.ArgumentList.Add("-b");
        psi.ArgumentList.Add(bootstrap);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        if (stdin is not null) await p.StandardInput.WriteAsync(stdin);
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await p.WaitForExitAsync(cts.Token);
        Assert.True(p.ExitCode == 0, $"kcat {string.Join(' ', args)} exited {p.ExitCode}: {await stderr}");
        return await stdout;
    }
}
