using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Pipeline.Testing;

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
        await admin.CreateTopicsAsync([
            new TopicSpecification
            {
                Name = "trades",
                NumPartitions = 2,
                ReplicationFactor = 1,
                Configs = new() { ["retention.ms"] = "3600000", ["cleanup.policy"] = "delete" },
            },
        ]);
        var meta = admin.GetMetadata("trades", TimeSpan.FromSeconds(10));
        Assert.Equal(2, meta.Topics.Single().Partitions.Count);

        var duplicate = await Assert.ThrowsAsync<CreateTopicsException>(() =>
            admin.CreateTopicsAsync([
                new TopicSpecification
                {
                    Name = "trades",
                    NumPartitions = 1,
                    ReplicationFactor = 1,
                },
            ])
        );
        Assert.Equal(Confluent.Kafka.ErrorCode.TopicAlreadyExists, duplicate.Results[0].Error.Code);

        var replicated = await Assert.ThrowsAsync<CreateTopicsException>(() =>
            admin.CreateTopicsAsync([
                new TopicSpecification
                {
                    Name = "replicated",
                    NumPartitions = 1,
                    ReplicationFactor = 3,
                },
            ])
        );
        Assert.Equal(Confluent.Kafka.ErrorCode.InvalidReplicationFactor, replicated.Results[0].Error.Code);
        Assert.Contains("single node", replicated.Results[0].Error.Reason);

        await admin.CreatePartitionsAsync([new PartitionsSpecification { Topic = "trades", IncreaseTo = 4 }]);
        Assert.Equal(4, admin.GetMetadata("trades", TimeSpan.FromSeconds(10)).Topics.Single().Partitions.Count);

        var resource = new ConfigResource { Type = ResourceType.Topic, Name = "trades" };
        var described = (await admin.DescribeConfigsAsync([resource])).Single();
        Assert.Equal("3600000", described.Entries["retention.ms"].Value);
        Assert.Equal("delete", described.Entries["cleanup.policy"].Value);

        await admin.AlterConfigsAsync(
            new Dictionary<ConfigResource, List<ConfigEntry>>
            {
                [resource] =
                [
                    new ConfigEntry { Name = "retention.ms", Value = "7200000" },
                    new ConfigEntry { Name = "message.timestamp.type", Value = "LogAppendTime" },
                ],
            }
        );
        described = (await admin.DescribeConfigsAsync([resource])).Single();
        Assert.Equal("7200000", described.Entries["retention.ms"].Value);
        Assert.Equal("LogAppendTime", described.Entries["message.timestamp.type"].Value);

        await admin.IncrementalAlterConfigsAsync(
            new Dictionary<ConfigResource, List<ConfigEntry>>
            {
                [resource] =
                [
                    new ConfigEntry
                    {
                        Name = "retention.bytes",
                        Value = "1048576",
                        IncrementalOperation = AlterConfigOpType.Set,
                    },
                ],
            }
        );
        described = (await admin.DescribeConfigsAsync([resource])).Single();
        Assert.Equal("1048576", described.Entries["retention.bytes"].Value);
        Assert.Equal("7200000", described.Entries["retention.ms"].Value); // incremental: the rest is kept

        await admin.DeleteTopicsAsync(["trades"]);
        await Eventually.TrueAsync(
            () => admin.GetMetadata(TimeSpan.FromSeconds(10)).Topics.All(t => t.Topic != "trades"),
            TimeSpan.FromSeconds(10),
            "the topic to disappear"
        );
    }

    [Fact]
    public async Task Topics_are_not_created_by_metadata_requests_unless_auto_creation_is_enabled()
    {
        await using var broker = await InProcessBroker.StartAsync();
        using var producer = Clients.Producer(broker.BootstrapServers, c => c.MessageTimeoutMs = 2000);
        var error = await Assert.ThrowsAsync<ProduceException<string, string>>(() =>
            producer.ProduceAsync("nobody-created-this", new Message<string, string> { Key = "k", Value = "v" })
        );
        Assert.True(
            error.Error.Code
                is Confluent.Kafka.ErrorCode.UnknownTopicOrPart
                    or Confluent.Kafka.ErrorCode.Local_UnknownTopic
                    or Confluent.Kafka.ErrorCode.Local_MsgTimedOut,
            error.Error.ToString()
        );

        await using var auto = await InProcessBroker.StartAsync(o =>
        {
            o.AutoCreateTopics = true;
            o.DefaultPartitions = 3;
        });
        using var autoProducer = Clients.Producer(auto.BootstrapServers);
        await autoProducer.ProduceAsync("created-on-demand", new Message<string, string> { Key = "k", Value = "v" });
        using var admin = Admin(auto.BootstrapServers);
        Assert.Equal(3, admin.GetMetadata("created-on-demand", TimeSpan.FromSeconds(10)).Topics.Single().Partitions.Count);
    }

    [Fact]
    public async Task DeleteRecords_moves_the_log_start_offset_and_consumers_start_there()
    {
        await using var broker = await InProcessBroker.StartAsync();
        await broker.CreateTopicAsync("trimmed");
        using (var producer = Clients.Producer(broker.BootstrapServers))
        {
            for (int i = 0; i < 10; i++)
                producer.Produce("trimmed", new Message<string, string> { Key = "k", Value = $"v{i}" });
            producer.Flush();
        }
        using var admin = Admin(broker.BootstrapServers);
        var result = await admin.DeleteRecordsAsync([new TopicPartitionOffset("trimmed", 0, 6)]);
        Assert.Equal(6, result[0].Offset.Value);
        using var consumer = Clients.Consumer(broker.BootstrapServers, "r");
        Assert.Equal(6, consumer.QueryWatermarkOffsets(new TopicPartition("trimmed", 0), TimeSpan.FromSeconds(10)).Low.Value);
        var read = Clients.ReadAll(consumer, "trimmed", 1, minCount: 4);
        Assert.Equal(["v6", "v7", "v8", "v9"], read.Select(r => r.Value));
    }

    [Fact]
    public async Task LogAppendTime_topic_stamps_records_with_the_broker_time()
    {
        await using var broker = await InProcessBroker.StartAsync();
        await broker.CreateTopicAsync("stamped", 1, new() { ["message.timestamp.type"] = "LogAppendTime" });
        var before = DateTime.UtcNow.AddSeconds(-1);
        using (var producer = Clients.Producer(broker.BootstrapServers))
        {
            var delivered = await producer.ProduceAsync(
                "stamped",
                new Message<string, string>
                {
                    Key = "k",
                    Value = "v",
                    Timestamp = new Timestamp(new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc)),
                }
            );
            Assert.Equal(TimestampType.LogAppendTime, delivered.Timestamp.Type);
        }
        using var consumer = Clients.Consumer(broker.BootstrapServers, "r");
        consumer.Assign(new TopicPartitionOffset("stamped", 0, Offset.Beginning));
        var record = (await Clients.TakeAsync(consumer, 1)).Single();
        Assert.Equal(TimestampType.LogAppendTime, record.Message.Timestamp.Type);
        Assert.InRange(record.Message.Timestamp.UtcDateTime, before, DateTime.UtcNow.AddSeconds(1));
    }

    [Fact]
    public async Task Kcat_lists_produces_and_consumes()
    {
        await using var broker = await InProcessBroker.StartAsync();
        await broker.CreateTopicAsync("kcat-topic", partitions: 2);

        var list = await Kcat(broker.BootstrapServers, null, "-L");
        Assert.Contains("topic \"kcat-topic\" with 2 partitions", list);

        await Kcat(broker.BootstrapServers, "alpha\nbeta\ngamma\n", "-P", "-t", "kcat-topic", "-p", "1");
        var consumed = await Kcat(
            broker.BootstrapServers,
            null,
            "-C",
            "-t",
            "kcat-topic",
            "-p",
            "1",
            "-o",
            "beginning",
            "-e",
            "-f",
            "%o:%s\\n"
        );
        Assert.Equal(["0:alpha", "1:beta", "2:gamma"], consumed.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    private static async Task<string> Kcat(string bootstrap, string? stdin, params string[] args)
    {
        var run = await ChildProcess.RunProgramAsync("kcat", ["-b", bootstrap, .. args], timeout: TimeSpan.FromSeconds(30), stdin: stdin);
        Assert.True(run.Exit == 0, $"kcat {string.Join(' ', args)} exited {run.Exit}: {run.Err}");
        return run.Out;
    }
}
