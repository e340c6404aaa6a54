namespace Pipeline.Broker;

/// <summary>Settings for one embedded broker. Defaults follow Kafka's where Kafka has one.</summary>
public sealed class BrokerOptions
{
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>0 picks a free port; <see cref="KafkaBroker.Port"/> tells which.</summary>
    public int Port { get; set; } = 9092;

    /// <summary>Host name clients are told to connect to; defaults to <see cref="Host"/> (127.0.0.1 for a wildcard bind).</summary>
    public string? AdvertisedHost { get; set; }

    public string DataDir { get; set; } = ".run/broker";

    /// <summary>Off by default: the pipeline creates its topics through the AdminClient, as on a real cluster.</summary>
    public bool AutoCreateTopics { get; set; }

    public int DefaultPartitions { get; set; } = 1;

    /// <summary>null leaves durability to the OS page cache like Kafka; otherwise segments are fsynced this often.</summary>
    public TimeSpan? FlushInterval { get; set; }

    public int NodeId { get; set; } = 1;

    public string ClusterId { get; set; } = "pipeline-embedded";

    /// <summary>Defaults for topics created without an explicit value.</summary>
    public long DefaultSegmentBytes { get; set; } = 1L << 30;
    public long DefaultRetentionMs { get; set; } = 7L * 24 * 3600 * 1000;
    public long DefaultRetentionBytes { get; set; } = -1;
    public long DefaultSegmentMs { get; set; } = 7L * 24 * 3600 * 1000;

    /// <summary>How often retention and compaction run (Kafka: log.retention.check.interval.ms = 5 min).</summary>
    public TimeSpan RetentionCheckInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Kafka's group.initial.rebalance.delay.ms; 0 keeps single-consumer start-up instant.</summary>
    public TimeSpan InitialRebalanceDelay { get; set; } = TimeSpan.Zero;

    /// <summary>Kafka's transaction.max.timeout.ms.</summary>
    public int MaxTransactionTimeoutMs { get; set; } = 15 * 60 * 1000;

    /// <summary>Largest request frame accepted (Kafka's socket.request.max.bytes); larger closes the connection.</summary>
    public int MaxRequestBytes { get; set; } = 100 * 1024 * 1024;

    /// <summary>Largest record batch accepted (Kafka's message.max.bytes).</summary>
    public int MaxMessageBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>Test mode: probability (0..1) that a connection is dropped around a request, to exercise client retries.</summary>
    public double ConnectionDropProbability { get; set; }
}
