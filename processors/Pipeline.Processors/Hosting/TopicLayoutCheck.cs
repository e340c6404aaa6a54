// Before processing: the input topics and the changelogs must exist, and every changelog must have at least as
// many partitions as trades.raw (state of input partition N is written to changelog partition N).
using Confluent.Kafka;
using Pipeline.Plumbing.Configuration;
using Pipeline.Plumbing.Errors;
using Pipeline.Plumbing.Kafka;
using Pipeline.Plumbing.Topics;

namespace Pipeline.Processors.Hosting;

public static class TopicLayoutCheck
{
    /// <summary>Throws an expected failure (Kafka unreachable, a topic missing or too small) with one line naming the topic and the
    /// fix.</summary>
    public static void Verify(KafkaClientSettings kafka)
    {
        using var admin = new AdminClientBuilder(kafka.Admin("pipeline-processors-check")).Build();
        Metadata metadata;
        try
        {
            metadata = admin.GetMetadata(TimeSpan.FromSeconds(15));
        }
        catch (KafkaException e)
        {
            throw new DependencyUnavailableException(
                $"Kafka at {kafka.BootstrapServers} is unreachable ({e.Error.Reason}); start the broker or fix Kafka:Bootstrap"
            );
        }
        var partitions = metadata.Topics.Where(t => t.Error.Code == ErrorCode.NoError).ToDictionary(t => t.Topic, t => t.Partitions.Count);
        foreach (var topic in MarketDataProcessor.InputTopics.Concat(MarketDataProcessor.ChangelogTopics))
            if (!partitions.ContainsKey(topic))
                throw new DependencyUnavailableException(
                    $"topic {topic} does not exist on {kafka.BootstrapServers}; create the catalog's "
                        + "topics (the pipeline does at start-up when it may, see `pipeline topics`)"
                );
        var inputs = partitions[TopicCatalog.RawTrades.Name];
        foreach (var topic in MarketDataProcessor.InputTopics.Skip(1).Concat(MarketDataProcessor.ChangelogTopics))
            if (partitions[topic] < inputs)
                throw new PipelineConfigurationException([
                    $"topic {topic} has {partitions[topic]} partitions but {TopicCatalog.RawTrades.Name} has {inputs}; the processor "
                        + $"keeps the state of input partition N in changelog partition N, so give {topic} at least {inputs} partitions",
                ]);
    }
}
