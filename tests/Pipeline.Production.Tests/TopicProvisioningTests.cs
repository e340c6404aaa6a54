// Topics for a replicated cluster: the replication factor and min.insync.replicas of the configuration reach CreateTopics.
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Plumbing.Configuration;
using Pipeline.Plumbing.Kafka;
using Pipeline.Plumbing.Topics;
using Pipeline.Testing;

namespace Pipeline.Production.Tests;

public class TopicProvisioningTests
{
    [Fact]
    public void Topics_are_requested_with_the_configured_replication_factor_and_min_insync_replicas()
    {
        var spec = TopicProvisioner.Specification(TopicCatalog.Candles, partitions: 12, replicationFactor: 3, minInsyncReplicas: 2);
        Assert.Equal(3, spec.ReplicationFactor);
        Assert.Equal(12, spec.NumPartitions);
        Assert.Equal("2", spec.Configs["min.insync.replicas"]);
        Assert.Equal("delete", spec.Configs["cleanup.policy"]); // the catalog's own configs stay
        var brokerDefault = TopicProvisioner.Specification(TopicCatalog.Candles, 12, 3, minInsyncReplicas: null);
        Assert.False(brokerDefault.Configs.ContainsKey("min.insync.replicas"));
    }

    [Fact]
    public async Task A_created_topic_carries_the_configured_min_insync_replicas()
    {
        await using var kafka = await TestKafka.StartAsync(partitions: 1);
        var topic = new TopicSpec($"production.isr-{Guid.NewGuid():N}", "none", typeof(byte[]), "test topic");
        await TopicProvisioner.EnsureTopicsAsync(kafka.Settings, 2, 1, NullLogger.Instance, [topic], minInsyncReplicas: 1);
        using var admin = new AdminClientBuilder(kafka.Settings.Admin("isr-check")).Build();
        var described = await admin.DescribeConfigsAsync([new ConfigResource { Type = ResourceType.Topic, Name = topic.Name }]);
        var isr = described[0].Entries["min.insync.replicas"];
        Assert.Equal("1", isr.Value);
        Assert.False(isr.IsDefault, "min.insync.replicas was not set on the topic");
    }

    [Fact]
    public void Min_insync_replicas_above_the_replication_factor_is_one_clear_line()
    {
        var e = Assert.Throws<PipelineConfigurationException>(() =>
            PipelineConfiguration.Load(
                environment: new Dictionary<string, string?>
                {
                    ["PIPELINE__KAFKA__REPLICATIONFACTOR"] = "1",
                    ["PIPELINE__KAFKA__MININSYNCREPLICAS"] = "2",
                }
            )
        );
        var line = Assert.Single(e.Problems);
        Assert.Contains("Kafka:MinInsyncReplicas is 2", line);
        Assert.Contains("PIPELINE__KAFKA__MININSYNCREPLICAS", line);
    }
}
