namespace Pipeline.Broker;

/// <summary>
/// Every topic config Kafka 3.x reports, with its type, Kafka's default and the broker setting it falls back to (its synonym),
/// and the broker configs reported for the broker resource. A value this broker sets differently from Kafka's default
/// is reported as STATIC_BROKER_CONFIG, as a server.properties line would be; otherwise DEFAULT_CONFIG.
/// </summary>
internal static class KafkaConfigCatalog
{
    private const string LongMax = "9223372036854775807";

    /// <summary>A topic config: name, type, Kafka's default, broker synonym and this broker's value for it (null: Kafka's
    /// default).</summary>
    internal sealed record TopicKey(
        string Name,
        DescribedConfigType Type,
        string KafkaDefault,
        string? BrokerSynonym,
        Func<BrokerOptions, string?> BrokerValue
    );

    private static TopicKey Key(
        string name,
        DescribedConfigType type,
        string kafkaDefault,
        string? synonym,
        Func<BrokerOptions, string?>? broker = null
    ) => new(name, type, kafkaDefault, synonym, broker ?? (_ => null));

    public static readonly TopicKey[] TopicKeys =
    [
        Key("cleanup.policy", DescribedConfigType.List, "delete", "log.cleanup.policy"),
        Key("compression.type", DescribedConfigType.String, "producer", "compression.type"),
        Key("delete.retention.ms", DescribedConfigType.Long, "86400000", "log.cleaner.delete.retention.ms"),
        Key("file.delete.delay.ms", DescribedConfigType.Long, "60000", "log.segment.delete.delay.ms"),
        Key("flush.messages", DescribedConfigType.Long, LongMax, "log.flush.interval.messages"),
        Key(
            "flush.ms",
            DescribedConfigType.Long,
            LongMax,
            "log.flush.interval.ms",
            o => o.FlushInterval is { } f ? ((long)f.TotalMilliseconds).ToString() : null
        ),
        Key("follower.replication.throttled.replicas", DescribedConfigType.List, "", null),
        Key("index.interval.bytes", DescribedConfigType.Int, "4096", "log.index.interval.bytes"),
        Key("leader.replication.throttled.replicas", DescribedConfigType.List, "", null),
        Key("local.retention.bytes", DescribedConfigType.Long, "-2", "log.local.retention.bytes"),
        Key("local.retention.ms", DescribedConfigType.Long, "-2", "log.local.retention.ms"),
        Key("max.compaction.lag.ms", DescribedConfigType.Long, LongMax, "log.cleaner.max.compaction.lag.ms"),
        Key("max.message.bytes", DescribedConfigType.Int, "1048588", "message.max.bytes", o => o.MaxMessageBytes.ToString()),
        // This broker never down-converts: clients older than message format v2 are not served (docs/broker.md).
        Key("message.downconversion.enable", DescribedConfigType.Boolean, "true", "log.message.downconversion.enable", _ => "false"),
        Key("message.format.version", DescribedConfigType.String, "3.0-IV1", "log.message.format.version"),
        Key("message.timestamp.after.max.ms", DescribedConfigType.Long, LongMax, "log.message.timestamp.after.max.ms"),
        Key("message.timestamp.before.max.ms", DescribedConfigType.Long, LongMax, "log.message.timestamp.before.max.ms"),
        Key("message.timestamp.difference.max.ms", DescribedConfigType.Long, LongMax, "log.message.timestamp.difference.max.ms"),
        Key("message.timestamp.type", DescribedConfigType.String, "CreateTime", "log.message.timestamp.type"),
        Key("min.cleanable.dirty.ratio", DescribedConfigType.Double, "0.5", "log.cleaner.min.cleanable.ratio"),
        Key("min.compaction.lag.ms", DescribedConfigType.Long, "0", "log.cleaner.min.compaction.lag.ms"),
        Key("min.insync.replicas", DescribedConfigType.Int, "1", "min.insync.replicas"),
        Key("preallocate", DescribedConfigType.Boolean, "false", "log.preallocate"),
        Key("remote.storage.enable", DescribedConfigType.Boolean, "false", null),
        Key("retention.bytes", DescribedConfigType.Long, "-1", "log.retention.bytes", o => o.DefaultRetentionBytes.ToString()),
        Key("retention.ms", DescribedConfigType.Long, "604800000", "log.retention.ms", o => o.DefaultRetentionMs.ToString()),
        Key("segment.bytes", DescribedConfigType.Int, "1073741824", "log.segment.bytes", o => o.DefaultSegmentBytes.ToString()),
        Key("segment.index.bytes", DescribedConfigType.Int, "10485760", "log.index.size.max.bytes"),
        Key("segment.jitter.ms", DescribedConfigType.Long, "0", "log.roll.jitter.ms"),
        Key("segment.ms", DescribedConfigType.Long, "604800000", "log.roll.ms", o => o.DefaultSegmentMs.ToString()),
        Key("unclean.leader.election.enable", DescribedConfigType.Boolean, "false", "unclean.leader.election.enable"),
    ];

    private static readonly Dictionary<string, TopicKey> ByName = TopicKeys.ToDictionary(k => k.Name);

    public static bool IsTopicConfig(string name) => ByName.ContainsKey(name);

    /// <summary>A topic's entries: its override (DYNAMIC_TOPIC_CONFIG) when set, else the broker's value or Kafka's default.</summary>
    public static IEnumerable<DescribedConfig> DescribeTopic(BrokerOptions options, IReadOnlyDictionary<string, string> overrides)
    {
        foreach (var key in TopicKeys)
        {
            var (brokerValue, brokerSource) = BrokerSide(key, options);
            var synonyms = new List<(string, string?, DescribedConfigSource)>();
            if (overrides.TryGetValue(key.Name, out var own))
                synonyms.Add((key.Name, own, DescribedConfigSource.DynamicTopicConfig));
            if (key.BrokerSynonym is { } synonym)
                synonyms.Add((synonym, brokerValue, brokerSource));
            bool overridden = own is not null;
            yield return new DescribedConfig(
                key.Name,
                overridden ? own : brokerValue,
                overridden ? DescribedConfigSource.DynamicTopicConfig : brokerSource,
                key.Type,
                ReadOnly: false,
                synonyms
            );
        }
    }

    private static (string Value, DescribedConfigSource Source) BrokerSide(TopicKey key, BrokerOptions options)
    {
        string? value = key.BrokerValue(options);
        return value is null || value == key.KafkaDefault
            ? (key.KafkaDefault, DescribedConfigSource.DefaultConfig)
            : (value, DescribedConfigSource.StaticBrokerConfig);
    }

    /// <summary>The broker resource: its static settings and the defaults tools read (replication factors, partitions, limits).</summary>
    public static IEnumerable<DescribedConfig> DescribeBroker(BrokerOptions options, string host, int port)
    {
        static DescribedConfig Entry(string name, string? value, string? kafkaDefault, DescribedConfigType type)
        {
            var source = value == kafkaDefault ? DescribedConfigSource.DefaultConfig : DescribedConfigSource.StaticBrokerConfig;
            return new DescribedConfig(name, value, source, type, ReadOnly: true, [(name, value, source)]);
        }
        string listener = $"PLAINTEXT://{host}:{port}";
        yield return Entry("advertised.listeners", listener, null, DescribedConfigType.String);
        yield return Entry("auto.create.topics.enable", options.AutoCreateTopics ? "true" : "false", "true", DescribedConfigType.Boolean);
        yield return Entry("broker.id", options.NodeId.ToString(), "-1", DescribedConfigType.Int);
        yield return Entry("default.replication.factor", "1", "1", DescribedConfigType.Int);
        yield return Entry("delete.topic.enable", "true", "true", DescribedConfigType.Boolean);
        yield return Entry(
            "group.initial.rebalance.delay.ms",
            ((long)options.InitialRebalanceDelay.TotalMilliseconds).ToString(),
            "3000",
            DescribedConfigType.Int
        );
        yield return Entry("listeners", listener, "PLAINTEXT://:9092", DescribedConfigType.List);
        yield return Entry("log.dirs", options.DataDir, null, DescribedConfigType.String);
        yield return Entry(
            "log.retention.check.interval.ms",
            ((long)options.RetentionCheckInterval.TotalMilliseconds).ToString(),
            "300000",
            DescribedConfigType.Long
        );
        yield return Entry("num.partitions", options.DefaultPartitions.ToString(), "1", DescribedConfigType.Int);
        yield return Entry("offsets.topic.replication.factor", "1", "3", DescribedConfigType.Short);
        yield return Entry("socket.request.max.bytes", options.MaxRequestBytes.ToString(), "104857600", DescribedConfigType.Int);
        yield return Entry("transaction.max.timeout.ms", options.MaxTransactionTimeoutMs.ToString(), "900000", DescribedConfigType.Int);
        yield return Entry("transaction.state.log.min.isr", "1", "2", DescribedConfigType.Int);
        yield return Entry("transaction.state.log.replication.factor", "1", "3", DescribedConfigType.Short);
        foreach (var key in TopicKeys)
            if (key.BrokerSynonym is { } synonym)
            {
                var (value, _) = BrokerSide(key, options);
                yield return Entry(synonym, value, key.KafkaDefault, key.Type);
            }
    }
}
