namespace Pipeline.Broker;

// FindCoordinator and the classic group APIs with offset commit/fetch.
internal sealed partial class KafkaApis
{
    private ProtocolWriter FindCoordinator(RequestHeader h, ProtocolReader r)
    {
        short v = h.ApiVersion;
        r.String(); // key: this node coordinates every group and transactional id
        if (v >= 1)
            r.Int8();
        var (host, port) = advertised();
        var w = Begin(h.CorrelationId);
        if (v >= 1)
            w.Int32(0);
        w.Int16(0);
        if (v >= 1)
            w.NullableString(null);
        w.Int32(options.NodeId);
        w.String(host);
        w.Int32(port);
        return End(w);
    }

    private async Task<ProtocolWriter> JoinGroupAsync(RequestHeader h, ProtocolReader r, string clientHost)
    {
        short v = h.ApiVersion;
        string groupId = r.String();
        int sessionTimeout = r.Int32();
        int rebalanceTimeout = v >= 1 ? r.Int32() : sessionTimeout;
        string memberId = r.String();
        string? instanceId = v >= 5 ? r.NullableString() : null;
        string protocolType = r.String();
        int n = r.ArrayLength();
        var protocols = new List<(string, byte[])>(Math.Max(n, 0));
        for (int i = 0; i < n; i++)
            protocols.Add((r.String(), r.Bytes().ToArray()));
        var result = await groups.JoinAsync(
            groupId,
            memberId,
            instanceId,
            h.ClientId ?? "",
            clientHost,
            sessionTimeout,
            rebalanceTimeout,
            protocolType,
            protocols
        );
        var w = Begin(h.CorrelationId, 256);
        if (v >= 2)
            w.Int32(0);
        w.Int16((short)result.Error);
        w.Int32(result.Generation);
        w.String(result.Protocol ?? "");
        w.String(result.Leader);
        w.String(result.MemberId);
        w.ArrayLength(result.Members.Count);
        foreach (var (id, instance, metadata) in result.Members)
        {
            w.String(id);
            if (v >= 5)
                w.NullableString(instance);
            w.Bytes(metadata);
        }
        return End(w);
    }

    private async Task<ProtocolWriter> SyncGroupAsync(RequestHeader h, ProtocolReader r)
    {
        short v = h.ApiVersion;
        string groupId = r.String();
        int generation = r.Int32();
        string memberId = r.String();
        if (v >= 3)
            r.NullableString();
        int n = r.ArrayLength();
        var assignments = new List<(string, byte[])>(Math.Max(n, 0));
        for (int i = 0; i < n; i++)
            assignments.Add((r.String(), r.Bytes().ToArray()));
        var (error, assignment) = await groups.SyncAsync(groupId, generation, memberId, assignments);
        var w = Begin(h.CorrelationId);
        if (v >= 1)
            w.Int32(0);
        w.Int16((short)error);
        w.Bytes(assignment);
        return End(w);
    }

    private ProtocolWriter Heartbeat(RequestHeader h, ProtocolReader r)
    {
        short v = h.ApiVersion;
        string groupId = r.String();
        int generation = r.Int32();
        string memberId = r.String();
        if (v >= 3)
            r.NullableString();
        var w = Begin(h.CorrelationId);
        if (v >= 1)
            w.Int32(0);
        w.Int16((short)groups.Heartbeat(groupId, generation, memberId));
        return End(w);
    }

    private ProtocolWriter LeaveGroup(RequestHeader h, ProtocolReader r)
    {
        short v = h.ApiVersion;
        string groupId = r.String();
        var w = Begin(h.CorrelationId);
        if (v >= 1)
            w.Int32(0);
        if (v < 3)
        {
            w.Int16((short)groups.Leave(groupId, r.String()));
            return End(w);
        }
        int n = r.ArrayLength();
        var members = new List<(string, string?)>();
        for (int i = 0; i < n; i++)
            members.Add((r.String(), r.NullableString()));
        w.Int16(0);
        w.ArrayLength(members.Count);
        foreach (var (id, instance) in members)
        {
            w.String(id);
            w.NullableString(instance);
            w.Int16((short)groups.Leave(groupId, id));
        }
        return End(w);
    }

    private ProtocolWriter OffsetCommit(RequestHeader h, ProtocolReader r)
    {
        short v = h.ApiVersion;
        string groupId = r.String();
        int generation = v >= 1 ? r.Int32() : -1;
        string memberId = v >= 1 ? r.String() : "";
        if (v >= 7)
            r.NullableString();
        if (v is >= 2 and <= 4)
            r.Int64(); // retention time
        var check = groups.ValidateCommit(groupId, generation, memberId);
        int topicCount = r.ArrayLength();
        var w = Begin(h.CorrelationId);
        if (v >= 3)
            w.Int32(0);
        w.ArrayLength(topicCount);
        for (int t = 0; t < topicCount; t++)
        {
            string topic = r.String();
            int n = r.ArrayLength();
            w.String(topic);
            w.ArrayLength(n);
            for (int p = 0; p < n; p++)
            {
                int partition = r.Int32();
                long offset = r.Int64();
                int leaderEpoch = v >= 6 ? r.Int32() : -1;
                if (v == 1)
                    r.Int64();
                string? metadata = r.NullableString();
                var error = check;
                if (error == ErrorCode.None && logs.Get(topic, partition) is null)
                    error = ErrorCode.UnknownTopicOrPartition;
                if (error == ErrorCode.None)
                    groups.Commit(groupId, topic, partition, new CommittedOffset(offset, leaderEpoch, metadata));
                w.Int32(partition);
                w.Int16((short)error);
            }
        }
        return End(w);
    }

    private ProtocolWriter OffsetFetch(RequestHeader h, ProtocolReader r)
    {
        short v = h.ApiVersion;
        bool f = h.Flexible;
        string groupId = r.String(f);
        int topicCount = r.ArrayLength(f);
        var requested = new List<(string Topic, List<int> Partitions)>();
        for (int t = 0; t < topicCount; t++)
        {
            string topic = r.String(f);
            int n = r.ArrayLength(f);
            var parts = new List<int>();
            for (int p = 0; p < n; p++)
                parts.Add(r.Int32());
            r.TaggedFields(f);
            requested.Add((topic, parts));
        }
        bool requireStable = v >= 7 && r.Bool();
        r.TaggedFields(f);
        if (topicCount < 0)
            foreach (var g in groups.FetchAll(groupId).GroupBy(o => o.Topic))
                requested.Add((g.Key, g.Select(o => o.Partition).ToList()));
        var w = Begin(h);
        if (v >= 3)
            w.Int32(0);
        w.ArrayLength(requested.Count, f);
        foreach (var (topic, parts) in requested)
        {
            w.String(topic, f);
            w.ArrayLength(parts.Count, f);
            foreach (int partition in parts)
            {
                var committed = groups.Fetch(groupId, topic, partition);
                // KIP-447: while a transaction holds offsets for it, a read_committed consumer must not start from the older ones.
                var error =
                    requireStable && groups.HasPendingTxnOffset(groupId, topic, partition)
                        ? ErrorCode.UnstableOffsetCommit
                        : ErrorCode.None;
                w.Int32(partition);
                w.Int64(error == ErrorCode.None ? committed?.Offset ?? -1 : -1);
                if (v >= 5)
                    w.Int32(committed?.LeaderEpoch ?? -1);
                if (f)
                    w.CompactString(committed?.Metadata ?? "");
                else
                    w.NullableString(committed?.Metadata ?? "");
                w.Int16((short)error);
                w.TaggedFields(f);
            }
            w.TaggedFields(f);
        }
        if (v >= 2)
            w.Int16(0);
        w.TaggedFields(f);
        return End(w);
    }

    private ProtocolWriter DescribeGroups(RequestHeader h, ProtocolReader r)
    {
        short v = h.ApiVersion;
        int n = r.ArrayLength();
        var ids = new List<string>();
        for (int i = 0; i < n; i++)
            ids.Add(r.String());
        if (v >= 3)
            r.Bool();
        var w = Begin(h.CorrelationId, 1024);
        if (v >= 1)
            w.Int32(0);
        w.ArrayLength(ids.Count);
        foreach (var id in ids)
        {
            var d = groups.Describe(id);
            w.Int16((short)d.Error);
            w.String(id);
            w.String(d.State);
            w.String(d.ProtocolType);
            w.String(d.Protocol);
            w.ArrayLength(d.Members.Count);
            foreach (var m in d.Members)
            {
                w.String(m.Id);
                if (v >= 4)
                    w.NullableString(m.InstanceId);
                w.String(m.ClientId);
                w.String(m.Host);
                w.Bytes(m.Metadata);
                w.Bytes(m.Assignment);
            }
            if (v >= 3)
                w.Int32(int.MinValue);
        }
        return End(w);
    }

    private ProtocolWriter ListGroups(RequestHeader h, ProtocolReader r)
    {
        var list = groups.List();
        var w = Begin(h.CorrelationId);
        if (h.ApiVersion >= 1)
            w.Int32(0);
        w.Int16(0);
        w.ArrayLength(list.Count);
        foreach (var (id, type, _) in list)
        {
            w.String(id);
            w.String(type);
        }
        return End(w);
    }

    private ProtocolWriter DeleteGroups(RequestHeader h, ProtocolReader r)
    {
        int n = r.ArrayLength();
        var ids = new List<string>();
        for (int i = 0; i < n; i++)
            ids.Add(r.String());
        var w = Begin(h.CorrelationId);
        w.Int32(0);
        w.ArrayLength(ids.Count);
        foreach (var id in ids)
        {
            w.String(id);
            w.Int16((short)groups.DeleteGroup(id));
        }
        return End(w);
    }

    private ProtocolWriter OffsetDelete(RequestHeader h, ProtocolReader r)
    {
        string groupId = r.String();
        int topicCount = r.ArrayLength();
        var requested = new List<(string, List<int>)>();
        for (int t = 0; t < topicCount; t++)
        {
            string topic = r.String();
            int n = r.ArrayLength();
            var parts = new List<int>();
            for (int p = 0; p < n; p++)
                parts.Add(r.Int32());
            requested.Add((topic, parts));
        }
        var w = Begin(h.CorrelationId);
        bool exists = groups.GroupExists(groupId);
        w.Int16((short)(exists ? ErrorCode.None : ErrorCode.GroupIdNotFound));
        w.Int32(0);
        w.ArrayLength(exists ? requested.Count : 0);
        if (exists)
            foreach (var (topic, parts) in requested)
            {
                w.String(topic);
                w.ArrayLength(parts.Count);
                foreach (int p in parts)
                {
                    w.Int32(p);
                    w.Int16((short)groups.DeleteOffset(groupId, topic, p));
                }
            }
        return End(w);
    }
}
