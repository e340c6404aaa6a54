using System.Text.Json;
using Pipeline.Testing;

namespace Pipeline.Broker.Tests;

/// <summary>
/// Conformance with Kafka clients we did not write and that implement the protocol themselves: KafkaJS 2.2.4 (npm) and
/// kafka-python 2.0.2 (Debian python3-kafka), plus python3-confluent-kafka on Debian's own librdkafka 2.0.2 for
/// transactions (kafka-python 2.0.2 has none). Apache Kafka's behaviour is the reference for every expected value.
/// Regression tests for issue 11 (four protocol faults found with these clients).
/// </summary>
public sealed class IndependentClientTests(IndependentClientTests.Broker broker) : IClassFixture<IndependentClientTests.Broker>
{
    /// <summary>One broker for the class; the request-level scripts run once and each test checks its part.</summary>
    public sealed class Broker : IAsyncLifetime
    {
        public InProcessBroker Server { get; private set; } = null!;
        public string Bootstrap => Server.BootstrapServers;
        public Lazy<Task<JsonElement>> KafkaPythonFaults { get; }
        public Lazy<Task<JsonElement>> KafkaJsAdmin { get; }

        public Broker()
        {
            KafkaPythonFaults = new(async () =>
            {
                await Server.CreateTopicAsync("faults");
                return await ExternalClient.PythonAsync("kafka_python_faults.py", Bootstrap, "faults");
            });
            KafkaJsAdmin = new(() => ExternalClient.NodeAsync("kafkajs_admin.js", Bootstrap, "kafkajs-admin"));
        }

        public async Task InitializeAsync() => Server = await InProcessBroker.StartAsync();

        public async Task DisposeAsync() => await Server.DisposeAsync();
    }

    [Fact]
    [Trait("Issue", "11")]
    public async Task Kafka_python_default_version_probe_succeeds_for_100_concurrent_clients()
    {
        // Fault 1: the probe's Metadata v0 used to close the connection, and up to all clients then hung for 60 s.
        await broker.Server.CreateTopicAsync("probe");
        var result = await ExternalClient.PythonAsync("kafka_python_probe.py", broker.Bootstrap, "probe", "100");
        Assert.Equal(0, result.GetProperty("failed").GetInt32());
        Assert.Equal(100, result.GetProperty("acknowledged").GetInt32());
        Assert.Equal(100, result.GetProperty("distinct_offsets").GetInt32());
        // kafka-python infers the broker version from ApiVersions: Produce v8 means at least Kafka 2.4.
        Assert.Equal(["2.4.0"], result.GetProperty("inferred_versions").EnumerateArray().Select(v => v.GetString()));
    }

    [Fact]
    [Trait("Issue", "11")]
    public async Task Metadata_ListOffsets_and_OffsetFetch_v0_are_answered_not_closed()
    {
        var r = await broker.KafkaPythonFaults.Value;
        // Metadata v0: an empty topic list means every topic (v0 has no null list).
        Assert.Contains("faults", r.GetProperty("metadata_v0_all").EnumerateArray().Select(t => t.GetString()));
        var topic = r.GetProperty("metadata_v0_topic")[0];
        Assert.Equal(0, topic[0].GetInt32());
        Assert.Equal("faults", topic[1].GetString());
        Assert.Equal(1, topic[2].GetInt32());
        // ListOffsets v0 (legacy offsets-before): latest gives the log end then segment starts, earliest the log start.
        // Four records were written by the sequence checks below, in one segment starting at 0.
        var offsets = r.GetProperty("list_offsets_v0");
        Assert.Equal([4L, 0L], offsets[0][2].EnumerateArray().Select(o => o.GetInt64()));
        Assert.Equal([0L], offsets[1][2].EnumerateArray().Select(o => o.GetInt64()));
        // OffsetFetch v0 for a group with no commit: offset -1, no error.
        var fetched = r.GetProperty("offset_fetch_v0")[0];
        Assert.Equal(-1, fetched[1].GetInt64());
        Assert.Equal(0, fetched[2].GetInt32());
    }

    [Fact]
    [Trait("Issue", "11")]
    public async Task Idempotent_batch_overlapping_the_last_one_is_out_of_order_never_duplicate()
    {
        // Fault 2: 1..3 after 0..2 was DUPLICATE_SEQUENCE_NUMBER (46), which clients treat as written: record 3 was lost.
        const int outOfOrder = 45;
        var r = await broker.KafkaPythonFaults.Value;
        Assert.Equal((0, 0L), Result(r, "seq_0_2"));
        Assert.Equal((outOfOrder, -1L), Result(r, "seq_1_3_overlapping"));
        Assert.Equal((0, 0L), Result(r, "seq_0_2_retry")); // an exact retry of a remembered batch: its original offset
        Assert.Equal((outOfOrder, -1L), Result(r, "seq_5_gap"));
        Assert.Equal((0, 3L), Result(r, "seq_3_next"));
    }

    private static (int Error, long Offset) Result(JsonElement r, string name) =>
        (r.GetProperty(name).GetProperty("error").GetInt32(), r.GetProperty(name).GetProperty("offset").GetInt64());

    [Fact]
    [Trait("Issue", "11")]
    public async Task Replica_assignments_naming_missing_brokers_or_wrong_counts_are_refused()
    {
        // Fault 3: INVALID_REPLICA_ASSIGNMENT (39), as Kafka's ReplicationControlManager answers.
        const int invalidReplicaAssignment = 39;
        var py = await broker.KafkaPythonFaults.Value;
        Assert.Equal(invalidReplicaAssignment, py.GetProperty("create_topic_unknown_broker").GetInt32());
        Assert.Equal(invalidReplicaAssignment, py.GetProperty("create_topic_broker_twice").GetInt32());
        Assert.Equal(0, py.GetProperty("create_topic_valid_assignment").GetInt32());
        Assert.Equal(invalidReplicaAssignment, py.GetProperty("create_partitions_too_few_assignments").GetInt32());
        Assert.Equal(invalidReplicaAssignment, py.GetProperty("create_partitions_unknown_broker").GetInt32());
        Assert.Equal(0, py.GetProperty("create_partitions_valid").GetInt32());

        var js = await broker.KafkaJsAdmin.Value;
        Assert.Equal("INVALID_REPLICA_ASSIGNMENT", js.GetProperty("createTopicUnknownBroker").GetString());
        Assert.Equal("NONE", js.GetProperty("createTopicValidAssignment").GetString());
        Assert.Equal("INVALID_REPLICA_ASSIGNMENT", js.GetProperty("createPartitionsWrongCount").GetString());
        Assert.Equal("INVALID_REPLICA_ASSIGNMENT", js.GetProperty("createPartitionsUnknownBroker").GetString());
        Assert.Equal("NONE", js.GetProperty("createPartitionsValid").GetString());
        Assert.Equal(3, js.GetProperty("partitions").GetInt32());
    }

    [Fact]
    [Trait("Issue", "11")]
    public async Task DescribeConfigs_reports_Kafkas_topic_configs_with_sources_synonyms_and_broker_defaults()
    {
        // Fault 4. Expected names and defaults are Kafka 3.x's documented topic and broker configs; sources are Kafka's
        // ConfigSource numbers (1 dynamic topic, 4 static broker, 5 default).
        var js = await broker.KafkaJsAdmin.Value;
        var topic = js.GetProperty("configs").GetProperty("topic").GetProperty("entries");
        string[] kafkaTopicConfigs =
        [
            "cleanup.policy",
            "compression.type",
            "delete.retention.ms",
            "file.delete.delay.ms",
            "flush.messages",
            "flush.ms",
            "index.interval.bytes",
            "max.compaction.lag.ms",
            "max.message.bytes",
            "message.timestamp.type",
            "min.cleanable.dirty.ratio",
            "min.compaction.lag.ms",
            "min.insync.replicas",
            "preallocate",
            "retention.bytes",
            "retention.ms",
            "segment.bytes",
            "segment.index.bytes",
            "segment.jitter.ms",
            "segment.ms",
            "unclean.leader.election.enable",
        ];
        foreach (var name in kafkaTopicConfigs)
            Assert.True(topic.TryGetProperty(name, out _), $"topic config {name} is missing");
        AssertEntry(topic, "compression.type", "producer", 5, [("compression.type", "producer", 5)]);
        AssertEntry(topic, "min.insync.replicas", "1", 5, [("min.insync.replicas", "1", 5)]);
        // The embedded broker's message.max.bytes is 8 MiB (Kafka's default is 1048588): a static broker setting.
        AssertEntry(topic, "max.message.bytes", "8388608", 4, [("message.max.bytes", "8388608", 4)]);
        // Altered to one hour: the topic's own value first, then the broker's synonym.
        AssertEntry(topic, "retention.ms", "3600000", 1, [("retention.ms", "3600000", 1), ("log.retention.ms", "604800000", 5)]);

        var brokerEntries = js.GetProperty("configs").GetProperty("broker").GetProperty("entries");
        AssertEntry(brokerEntries, "default.replication.factor", "1", 5, [("default.replication.factor", "1", 5)]);
        AssertEntry(brokerEntries, "num.partitions", "1", 5, [("num.partitions", "1", 5)]);
        AssertEntry(brokerEntries, "offsets.topic.replication.factor", "1", 4, [("offsets.topic.replication.factor", "1", 4)]);
        Assert.True(brokerEntries.GetProperty("broker.id").GetProperty("readOnly").GetBoolean());

        // kafka-python reads the same answer through its own decoder (v1).
        var py = (await broker.KafkaPythonFaults.Value).GetProperty("describe_configs");
        Assert.Equal(
            "producer",
            py.GetProperty("topic").GetProperty("entries").GetProperty("compression.type").GetProperty("value").GetString()
        );
        Assert.Equal(
            "1",
            py.GetProperty("broker").GetProperty("entries").GetProperty("default.replication.factor").GetProperty("value").GetString()
        );
    }

    private static void AssertEntry(JsonElement entries, string name, string value, int source, (string, string, int)[] synonyms)
    {
        var e = entries.GetProperty(name);
        Assert.Equal(value, e.GetProperty("value").GetString());
        Assert.Equal(source, e.GetProperty("source").GetInt32());
        Assert.Equal(source == 5, e.GetProperty("isDefault").GetBoolean());
        var actual = e.GetProperty("synonyms")
            .EnumerateArray()
            .Select(s => (s[0].GetString()!, s[1].GetString()!, s[2].GetInt32()))
            .ToArray();
        Assert.Equal(synonyms, actual);
    }

    [Fact]
    public async Task Kafka_python_produces_consumes_in_a_group_commits_and_a_new_member_resumes_there()
    {
        var r = await ExternalClient.PythonAsync("kafka_python_roundtrip.py", broker.Bootstrap, "kp-roundtrip", "kp-group", "300");
        Assert.Equal(300, r.GetProperty("acknowledged").GetInt32());
        Assert.Equal(Enumerable.Range(0, 300), r.GetProperty("consumed").EnumerateArray().Select(v => v.GetInt32()));
        Assert.Equal([0, 1, 2], r.GetProperty("assignment").EnumerateArray().Select(v => v.GetInt32()));
        long total = 0;
        foreach (var p in new[] { "0", "1", "2" })
        {
            long end = r.GetProperty("end").GetProperty(p).GetInt64();
            Assert.Equal(end, r.GetProperty("committed").GetProperty(p).GetInt64());
            total += end;
        }
        Assert.Equal(300, total);
    }

    [Fact]
    public async Task Confluent_python_on_debians_librdkafka_sees_only_committed_transactions()
    {
        await broker.Server.CreateTopicAsync("cp-transactions");
        var r = await ExternalClient.PythonAsync("confluent_python_transactions.py", broker.Bootstrap, "cp-transactions", "cp-txn");
        var expected = Enumerable.Range(0, 10).Select(i => $"committed-{i}").Append("last");
        Assert.Equal(expected, r.GetProperty("values").EnumerateArray().Select(v => v.GetString()));
    }

    [Fact]
    public async Task KafkaJS_produces_consumes_in_a_group_and_commits_and_aborts_transactions()
    {
        var r = await ExternalClient.NodeAsync("kafkajs_roundtrip.js", broker.Bootstrap, "js-roundtrip", "js-group", "300");
        Assert.Equal(Enumerable.Range(0, 300), r.GetProperty("consumed").EnumerateArray().Select(v => v.GetInt32()));
        var ends = r.GetProperty("ends").EnumerateArray().Select(p => (p[0].GetInt32(), p[1].GetInt64())).ToArray();
        Assert.Equal(300, ends.Sum(e => e.Item2));
        Assert.Equal(ends, r.GetProperty("committed").EnumerateArray().Select(p => (p[0].GetInt32(), p[1].GetInt64())));
        // read_committed: the aborted record is never delivered, the committed ones in order.
        Assert.Equal(
            ["committed-1", "committed-2", "committed-3"],
            r.GetProperty("transactional").EnumerateArray().Select(v => v.GetString())
        );
        // consume-transform-produce: the copy and the group's offsets were committed together.
        Assert.Equal(300, r.GetProperty("copied").GetInt32());
        Assert.Equal(ends, r.GetProperty("copierOffsets").EnumerateArray().Select(p => (p[0].GetInt32(), p[1].GetInt64())));
    }
}
