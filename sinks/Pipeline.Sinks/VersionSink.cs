// The sink stage of one replay version (ADR 0006): PostgresSink over the version's replay.V.candles.final and
// replay.V.indicators, writing rows of version V exactly once. It runs beside the replay and, once the replay has
// committed its last output, finishes when everything up to the topics' ends is in the database.
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Pipeline.Plumbing.Configuration;
using Pipeline.Plumbing.Kafka;
using Pipeline.Schemas;

namespace Pipeline.Sinks;

public sealed class VersionSink
{
    private readonly KafkaClientSettings _kafka;
    private readonly PostgresSink _sink;
    private readonly SinkTopics _topics;
    private readonly string _consumerName;

    /// <param name="options">Batch and retry settings; the consumer name and group are the version's own
    /// (<see cref="ConsumerNameOf"/>), so it never shares work with the live sink or with the replay processor's group.</param>
    public VersionSink(
        KafkaClientSettings kafka,
        string connectionString,
        DataVersion version,
        ILoggerFactory loggers,
        SinkOptions? options = null
    )
    {
        if (version.IsLive)
            throw new ArgumentException("the live version is written by the live sink (SinkRole)", nameof(version));
        _kafka = kafka;
        _topics = SinkTopics.ForVersion(version);
        _consumerName = ConsumerNameOf(version);
        var own = (options ?? new SinkOptions()) with { ConsumerName = _consumerName, GroupId = null };
        _sink = new PostgresSink(kafka, connectionString, own, loggers, _topics);
    }

    /// <summary>The sink_positions consumer (and consumer group) of a replay version's sink.</summary>
    public static string ConsumerNameOf(DataVersion version) => $"replay-{version.Name}-sink";

    /// <summary>Runs until cancelled, or until <see cref="Finish"/> was called and everything is written.</summary>
    public Task RunAsync(CancellationToken ct) => _sink.RunAsync(ct);

    /// <summary>Call when the replay has committed its last output: reads the final ends of the version's topics and lets
    /// <see cref="RunAsync"/> return once every record before them is in the database with its position.</summary>
    public void Finish()
    {
        using var admin = new AdminClientBuilder(_kafka.Admin($"{_consumerName}-ends")).Build();
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(
            _kafka.Consumer($"{_consumerName}-ends", $"{_consumerName}-ends")
        ).Build();
        var ends = new Dictionary<TopicPartition, long>();
        foreach (var topic in _topics.Topics)
        {
            var metadata = admin.GetMetadata(topic, TimeSpan.FromSeconds(10));
            foreach (var p in metadata.Topics.Single().Partitions)
            {
                var tp = new TopicPartition(topic, p.PartitionId);
                ends[tp] = consumer.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(10)).High.Value;
            }
        }
        _sink.FinishAt(ends);
    }
}
