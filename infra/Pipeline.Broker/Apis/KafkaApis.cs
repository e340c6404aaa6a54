using Microsoft.Extensions.Logging;

namespace Pipeline.Broker;

/// <summary>
/// Parses each request and writes its response. Supported versions are the non-flexible ones clients negotiate down to
/// (plus the flexible versions named in FlexibleFrom), and down to the old versions Kafka 3.x still answers for clients
/// that send them before negotiating (kafka-python's probe sends Metadata v0). docs/broker.md says why.
/// Split by area across the KafkaApis.*.cs files.
/// </summary>
internal sealed partial class KafkaApis(
    BrokerOptions options,
    LogManager logs,
    GroupCoordinator groups,
    TransactionCoordinator transactions,
    Func<(string Host, int Port)> advertised,
    ILogger logger
)
{
    internal static readonly Dictionary<ApiKey, (short Min, short Max)> Supported = new()
    {
        [ApiKey.Produce] = (3, 8),
        [ApiKey.Fetch] = (4, 11),
        [ApiKey.ListOffsets] = (0, 5),
        [ApiKey.Metadata] = (0, 8),
        [ApiKey.OffsetCommit] = (0, 7),
        [ApiKey.OffsetFetch] = (0, 7),
        [ApiKey.FindCoordinator] = (0, 2),
        [ApiKey.JoinGroup] = (0, 5),
        [ApiKey.Heartbeat] = (0, 3),
        [ApiKey.LeaveGroup] = (0, 3),
        [ApiKey.SyncGroup] = (0, 3),
        [ApiKey.DescribeGroups] = (0, 4),
        [ApiKey.ListGroups] = (0, 2),
        [ApiKey.ApiVersions] = (0, 3),
        [ApiKey.CreateTopics] = (0, 4),
        [ApiKey.DeleteTopics] = (0, 3),
        [ApiKey.DeleteRecords] = (0, 1),
        [ApiKey.InitProducerId] = (0, 3),
        [ApiKey.OffsetForLeaderEpoch] = (0, 3),
        [ApiKey.AddPartitionsToTxn] = (0, 2),
        [ApiKey.AddOffsetsToTxn] = (0, 2),
        [ApiKey.EndTxn] = (0, 2),
        [ApiKey.TxnOffsetCommit] = (0, 3),
        [ApiKey.DescribeConfigs] = (0, 3),
        [ApiKey.AlterConfigs] = (0, 1),
        [ApiKey.IncrementalAlterConfigs] = (0, 1),
        [ApiKey.CreatePartitions] = (0, 1),
        [ApiKey.DeleteGroups] = (0, 1),
        [ApiKey.OffsetDelete] = (0, 0),
    };

    /// <summary>First flexible (KIP-482) version of the APIs offered in one; their requests use header v2.</summary>
    private static readonly Dictionary<ApiKey, short> FlexibleFrom = new()
    {
        [ApiKey.ApiVersions] = 3,
        [ApiKey.InitProducerId] = 2, // v3 lets idempotent/transactional producers recover by epoch bump (KIP-360)
        [ApiKey.TxnOffsetCommit] = 3, // v3 carries the consumer generation for zombie fencing (KIP-447)
        [ApiKey.IncrementalAlterConfigs] = 1,
        [ApiKey.OffsetFetch] = 6, // v7 require_stable: read_committed consumers wait out pending transactional offsets (KIP-447)
    };

    private static readonly ApiKey[] SupportedOrder = Supported.Keys.OrderBy(k => (short)k).ToArray();

    /// <summary>Handles one frame; null means no response is due (acks=0). Unparseable input throws ProtocolException.</summary>
    public async ValueTask<ProtocolWriter?> HandleAsync(ProtocolReader r, string clientHost, CancellationToken ct)
    {
        var key = (ApiKey)r.Int16();
        short version = r.Int16();
        int correlationId = r.Int32();
        if (!Supported.TryGetValue(key, out var range) || version < range.Min || version > range.Max)
        {
            // KIP-511: an ApiVersions request we cannot parse gets a v0 answer listing what we support.
            if (key == ApiKey.ApiVersions)
                return ApiVersionsResponse(correlationId, 0, ErrorCode.UnsupportedVersion);
            throw new ProtocolException($"unsupported API {(short)key} v{version}");
        }
        string? clientId = r.NullableString();
        bool flexible = FlexibleFrom.TryGetValue(key, out var from) && version >= from;
        if (flexible)
            r.SkipTaggedFields();
        var h = new RequestHeader(key, version, correlationId, clientId, flexible);
        try
        {
            return key switch
            {
                ApiKey.ApiVersions => ApiVersionsResponse(correlationId, version, ErrorCode.None),
                ApiKey.Metadata => Metadata(h, r),
                ApiKey.Produce => Produce(h, r),
                ApiKey.Fetch => await FetchAsync(h, r, ct),
                ApiKey.ListOffsets => ListOffsets(h, r),
                ApiKey.OffsetForLeaderEpoch => OffsetForLeaderEpoch(h, r),
                ApiKey.DeleteRecords => DeleteRecords(h, r),
                ApiKey.CreateTopics => CreateTopics(h, r),
                ApiKey.DeleteTopics => DeleteTopics(h, r),
                ApiKey.CreatePartitions => CreatePartitions(h, r),
                ApiKey.DescribeConfigs => DescribeConfigs(h, r),
                ApiKey.AlterConfigs => AlterConfigs(h, r),
                ApiKey.IncrementalAlterConfigs => IncrementalAlterConfigs(h, r),
                ApiKey.FindCoordinator => FindCoordinator(h, r),
                ApiKey.JoinGroup => await JoinGroupAsync(h, r, clientHost),
                ApiKey.SyncGroup => await SyncGroupAsync(h, r),
                ApiKey.Heartbeat => Heartbeat(h, r),
                ApiKey.LeaveGroup => LeaveGroup(h, r),
                ApiKey.OffsetCommit => OffsetCommit(h, r),
                ApiKey.OffsetFetch => OffsetFetch(h, r),
                ApiKey.DescribeGroups => DescribeGroups(h, r),
                ApiKey.ListGroups => ListGroups(h, r),
                ApiKey.DeleteGroups => DeleteGroups(h, r),
                ApiKey.OffsetDelete => OffsetDelete(h, r),
                ApiKey.InitProducerId => InitProducerId(h, r),
                ApiKey.AddPartitionsToTxn => AddPartitionsToTxn(h, r),
                ApiKey.AddOffsetsToTxn => AddOffsetsToTxn(h, r),
                ApiKey.EndTxn => EndTxn(h, r),
                ApiKey.TxnOffsetCommit => TxnOffsetCommit(h, r),
                _ => throw new ProtocolException($"unsupported API {(short)key}"),
            };
        }
        catch (Exception e) when (e is FormatException or OverflowException or ArgumentException or InvalidDataException)
        {
            throw new ProtocolException($"{key} v{version}: {e.Message}");
        }
    }

    /// <summary>A response writer with the size placeholder and response header v0 (correlation id) written.</summary>
    private static ProtocolWriter Begin(int correlationId, int capacity = 256)
    {
        var w = new ProtocolWriter(capacity);
        w.Int32(0);
        w.Int32(correlationId);
        return w;
    }

    /// <summary>Response header v1 (with tagged fields) for flexible versions; ApiVersions always answers with v0.</summary>
    private static ProtocolWriter Begin(RequestHeader h, int capacity = 256)
    {
        var w = Begin(h.CorrelationId, capacity);
        if (h.Flexible && h.ApiKey != ApiKey.ApiVersions)
            w.EmptyTaggedFields();
        return w;
    }

    /// <summary>A response begun with its header and throttle_time_ms, which the API has from version <paramref name="from"/>
    /// on: always 0, this broker never throttles.</summary>
    private static ProtocolWriter BeginThrottled(RequestHeader h, short from = 0, int capacity = 256)
    {
        var w = Begin(h, capacity);
        if (h.ApiVersion >= from)
            w.Int32(0);
        return w;
    }

    /// <summary>A response of throttle time (from version <paramref name="throttleFrom"/>) and one error code: Heartbeat,
    /// AddOffsetsToTxn, EndTxn.</summary>
    private static ProtocolWriter ThrottleAndError(RequestHeader h, ErrorCode error, short throttleFrom = 0)
    {
        var w = BeginThrottled(h, throttleFrom);
        w.Int16((short)error);
        return End(w);
    }

    private static ProtocolWriter End(ProtocolWriter w)
    {
        w.PatchInt32(0, w.Length - 4);
        return w;
    }

    /// <summary>A response array of (name, error) for requests that act on a list of names (DeleteTopics, DeleteGroups),
    /// acting on each in request order.</summary>
    private static void WriteNameErrors(ProtocolWriter w, List<string> names, Func<string, ErrorCode> act)
    {
        w.ArrayLength(names.Count);
        foreach (var name in names)
        {
            w.String(name);
            w.Int16((short)act(name));
        }
    }

    private static ProtocolWriter ApiVersionsResponse(int correlationId, short version, ErrorCode error)
    {
        var w = Begin(correlationId);
        w.Int16((short)error);
        bool flexible = version >= 3;
        if (flexible)
            w.CompactArrayLength(SupportedOrder.Length);
        else
            w.ArrayLength(SupportedOrder.Length);
        foreach (var k in SupportedOrder)
        {
            w.Int16((short)k);
            w.Int16(Supported[k].Min);
            w.Int16(Supported[k].Max);
            if (flexible)
                w.EmptyTaggedFields();
        }
        if (version >= 1)
            w.Int32(0);
        if (flexible)
            w.EmptyTaggedFields();
        return End(w);
    }

    private ProtocolWriter Metadata(RequestHeader h, ProtocolReader r)
    {
        short v = h.ApiVersion;
        int n = r.ArrayLength();
        List<string>? requested = null;
        if (n > 0 || (n == 0 && v >= 1)) // v0 has no null: an empty list there means every topic
        {
            requested = new List<string>(n);
            for (int i = 0; i < n; i++)
                requested.Add(r.String());
        }
        bool allowAutoCreate = v < 4 || r.Bool();
        if (v >= 8)
        {
            r.Bool();
            r.Bool();
        }

        var w = BeginThrottled(h, from: 3, capacity: 1024);
        var (host, port) = advertised();
        w.ArrayLength(1);
        w.Int32(options.NodeId);
        w.String(host);
        w.Int32(port);
        if (v >= 1)
            w.NullableString(null); // rack
        if (v >= 2)
            w.NullableString(options.ClusterId);
        if (v >= 1)
            w.Int32(options.NodeId); // controller

        var topics = new List<(string Name, TopicLog? Topic, ErrorCode Error)>();
        if (requested is null)
            foreach (var t in logs.Topics)
                topics.Add((t.Name, t, ErrorCode.None));
        else
            foreach (var name in requested)
            {
                var t = logs.Get(name);
                if (t is null && options.AutoCreateTopics && allowAutoCreate && LogManager.ValidateName(name) is null)
                {
                    logs.Create(name, options.DefaultPartitions, -1, new Dictionary<string, string>(), false);
                    t = logs.Get(name);
                }
                var error =
                    t is not null ? ErrorCode.None
                    : LogManager.ValidateName(name) is null ? ErrorCode.UnknownTopicOrPartition
                    : ErrorCode.InvalidTopicException;
                topics.Add((name, t, error));
            }
        w.ArrayLength(topics.Count);
        foreach (var (name, t, error) in topics)
        {
            w.Int16((short)error);
            w.String(name);
            if (v >= 1)
                w.Bool(false); // is_internal
            var partitions = t?.Partitions ?? [];
            w.ArrayLength(partitions.Length);
            for (int p = 0; p < partitions.Length; p++)
            {
                w.Int16(0);
                w.Int32(p);
                w.Int32(options.NodeId);
                if (v >= 7)
                    w.Int32(0); // leader epoch: one node, never changes
                w.ArrayLength(1);
                w.Int32(options.NodeId);
                w.ArrayLength(1);
                w.Int32(options.NodeId);
                if (v >= 5)
                    w.ArrayLength(0);
            }
            if (v >= 8)
                w.Int32(int.MinValue);
        }
        if (v >= 8)
            w.Int32(int.MinValue);
        return End(w);
    }

    private static long NowMs => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
}
