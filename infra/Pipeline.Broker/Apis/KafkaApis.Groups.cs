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
        var w = BeginThrottled(h, from: 1);
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
        var w = BeginThrottled(h, from: 2);
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
        var (groupId, generation, memberId) = ReadGroupMember(v, r);
        int n = r.ArrayLength();
        var assignments = new List<(string, byte[])>(Math.Max(n, 0));
        for (int i = 0; i < n; i++)
            assignments.Add((r.String(), r.Bytes().ToArray()));
        var (error, assignment) = await groups.SyncAsync(groupId, generation, memberId, assignments);
        var w = BeginThrottled(h, from: 1);
        w.Int16((short)error);
        w.Bytes(assignment);
        return End(w);
    }

    private ProtocolWriter Heartbeat(RequestHeader h, ProtocolReader r)
    {
        short v = h.ApiVersion;
        var (groupId, generation, memberId) = ReadGroupMember(v, r);
        return ThrottleAndError(h, groups.Heartbeat(groupId, generation, memberId), throttleFrom: 1);
    }

    /// <summary>The member a SyncGroup or Heartbeat speaks for; v3 adds the static member's instance id, which the
    /// coordinator finds by member id.</summary>
    private static (string GroupId, int Generation, string MemberId) ReadGroupMember(short v, ProtocolReader r)
    {
        string groupId = r.String();
        int generation = r.Int32();
        string memberId = r.String();
        if (v >= 3)
            r.NullableString();
        return (groupId, generation, memberId);
    }

    private ProtocolWriter LeaveGroup(RequestHeader h, ProtocolReader r)
    {
        short v = h.ApiVersion;
        string groupId = r.String();
        var w = BeginThrottled(h, from: 1);
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
        var w = BeginThrottled(h, from: 3);
        TopicArrays.Echo(
            r,
            w,
            false,
            (topic, partition) =>
            {
                long offset = r.Int64();
                int leaderEpoch = v >= 6 ? r.Int32() : -1;
                if (v == 1)
                    r.Int64();
                string? metadata = r.NullableString();
                var error = CommitError(check, topic, partition);
                if (error == ErrorCode.None)
                    groups.Commit(groupId, topic, partition, new CommittedOffset(offset, leaderEpoch, metadata));
                w.Int32(partition);
                w.Int16((short)error);
            }
        );
        return End(w);
    }

    /// <summary>A partition's answer to OffsetCommit or TxnOffsetCommit: the request-wide check, else whether it exists.</summary>
    private ErrorCode CommitError(ErrorCode check, string topic, int partition) =>
        check == ErrorCode.None && logs.Get(topic, partition) is null ? ErrorCode.UnknownTopicOrPartition : check;

    private ProtocolWriter OffsetFetch(RequestHeader h, ProtocolReader r)
    {
        short v = h.ApiVersion;
        bool f = h.Flexible;
        string groupId = r.String(f);
        var requested = TopicArrays.ReadPartitionIds(r, f);
        bool requireStable = v >= 7 && r.Bool();
        r.TaggedFields(f);
        // A null topics array asks for every committed offset of the group.
        requested ??= groups.FetchAll(groupId).GroupBy(o => o.Topic).Select(g => (g.Key, g.Select(o => o.Partition).ToArray())).ToList();
        var w = BeginThrottled(h, from: 3);
        TopicArrays.Write(
            w,
            f,
            requested,
            (topic, partition) =>
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
                w.NullableString(committed?.Metadata ?? "", f);
                w.Int16((short)error);
            }
        );
        if (v >= 2)
            w.Int16(0);
        w.TaggedFields(f);
        return End(w);
    }

    private ProtocolWriter DescribeGroups(RequestHeader h, ProtocolReader r)
    {
        short v = h.ApiVersion;
        var ids = r.Strings();
        if (v >= 3)
            r.Bool();
        var w = BeginThrottled(h, from: 1, capacity: 1024);
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
        var w = BeginThrottled(h, from: 1);
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
        var ids = r.Strings();
        var w = BeginThrottled(h);
        WriteNameErrors(w, ids, groups.DeleteGroup);
        return End(w);
    }

    private ProtocolWriter OffsetDelete(RequestHeader h, ProtocolReader r)
    {
        string groupId = r.String();
        var requested = TopicArrays.ReadPartitionIds(r) ?? [];
        var w = Begin(h);
        bool exists = groups.GroupExists(groupId);
        w.Int16((short)(exists ? ErrorCode.None : ErrorCode.GroupIdNotFound));
        w.Int32(0);
        TopicArrays.Write(
            w,
            false,
            exists ? requested : [],
            (topic, partition) =>
            {
                w.Int32(partition);
                w.Int16((short)groups.DeleteOffset(groupId, topic, partition));
            }
        );
        return End(w);
    }
}
