using Microsoft.Extensions.Logging;
using static Pipeline.Broker.ConsumerGroup;

namespace Pipeline.Broker;

/// <summary>
/// Kafka's classic group protocol (JoinGroup/SyncGroup/Heartbeat/LeaveGroup, assignment done by the leader
/// client, so range, round-robin and cooperative-sticky all work) and committed offsets, persisted in an
/// internal log. Offsets from transactions are held per producer until the transaction ends.
/// </summary>
internal sealed class GroupCoordinator : IDisposable
{
    private const byte EntryCommit = 1,
        EntryDeleteOffset = 2,
        EntryDeleteGroup = 3,
        EntryTxnPending = 4,
        EntryTxnEnd = 5;

    private readonly object _lock = new();
    private readonly Dictionary<string, ConsumerGroup> _groups = new();
    private readonly Dictionary<long, List<(string Group, string Topic, int Partition, CommittedOffset Offset)>> _pendingTxn = new();
    private readonly InternalLog _log;

    /// <summary>Appends under the coordinator lock, folding the log into a snapshot when it has grown large.</summary>
    private void Persist(byte[] entry)
    {
        _log.Append(entry);
        if (_log.NeedsCompaction)
            _log.Rewrite(Snapshot().ToList());
    }

    private readonly BrokerOptions _options;
    private readonly ILogger _logger;

    public GroupCoordinator(BrokerOptions options, ILogger logger)
    {
        _options = options;
        _logger = logger;
        _log = new InternalLog(
            Path.Combine(options.DataDir, "__consumer_offsets", "offsets.log"),
            options.FlushInterval is not null,
            Replay
        );
        _log.Rewrite(Snapshot());
    }

    private ConsumerGroup GetOrCreate(string id)
    {
        if (!_groups.TryGetValue(id, out var g))
            _groups[id] = g = new ConsumerGroup(id);
        return g;
    }

    // ---------------------------------------------------------------- persistence

    private void Replay(byte[] payload)
    {
        var r = new BinaryReader(new MemoryStream(payload));
        switch (r.ReadByte())
        {
            case EntryCommit:
            {
                var g = GetOrCreate(r.ReadString());
                var tp = (r.ReadString(), r.ReadInt32());
                g.Offsets[tp] = ReadOffset(r);
                break;
            }
            case EntryDeleteOffset:
            {
                if (_groups.TryGetValue(r.ReadString(), out var g))
                    g.Offsets.Remove((r.ReadString(), r.ReadInt32()));
                break;
            }
            case EntryDeleteGroup:
                _groups.Remove(r.ReadString());
                break;
            case EntryTxnPending:
            {
                long pid = r.ReadInt64();
                var entry = (r.ReadString(), r.ReadString(), r.ReadInt32(), ReadOffset(r));
                if (!_pendingTxn.TryGetValue(pid, out var list))
                    _pendingTxn[pid] = list = new();
                list.Add(entry);
                break;
            }
            case EntryTxnEnd:
            {
                long pid = r.ReadInt64();
                bool commit = r.ReadBoolean();
                ApplyTxnEnd(pid, commit);
                break;
            }
        }
    }

    private static CommittedOffset ReadOffset(BinaryReader r)
    {
        long offset = r.ReadInt64();
        int epoch = r.ReadInt32();
        string? meta = r.ReadBoolean() ? r.ReadString() : null;
        return new CommittedOffset(offset, epoch, meta);
    }

    private static void WriteOffset(BinaryWriter w, CommittedOffset o)
    {
        w.Write(o.Offset);
        w.Write(o.LeaderEpoch);
        w.Write(o.Metadata is not null);
        if (o.Metadata is not null)
            w.Write(o.Metadata);
    }

    private static byte[] Entry(Action<BinaryWriter> write)
    {
        var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms))
            write(w);
        return ms.ToArray();
    }

    private static byte[] CommitEntry(string group, string topic, int partition, CommittedOffset o) =>
        Entry(w =>
        {
            w.Write(EntryCommit);
            w.Write(group);
            w.Write(topic);
            w.Write(partition);
            WriteOffset(w, o);
        });

    private IEnumerable<byte[]> Snapshot()
    {
        foreach (var g in _groups.Values)
        foreach (var ((topic, partition), o) in g.Offsets)
            yield return CommitEntry(g.Id, topic, partition, o);
        foreach (var (pid, list) in _pendingTxn)
        foreach (var (group, topic, partition, o) in list)
            yield return Entry(w =>
            {
                w.Write(EntryTxnPending);
                w.Write(pid);
                w.Write(group);
                w.Write(topic);
                w.Write(partition);
                WriteOffset(w, o);
            });
    }

    // ---------------------------------------------------------------- membership

    public Task<JoinGroupResult> JoinAsync(
        string groupId,
        string memberId,
        string? instanceId,
        string clientId,
        string clientHost,
        int sessionTimeoutMs,
        int rebalanceTimeoutMs,
        string protocolType,
        List<(string, byte[])> protocols
    )
    {
        lock (_lock)
        {
            if (string.IsNullOrEmpty(groupId))
                return Task.FromResult(JoinGroupResult.Failed(ErrorCode.InvalidGroupId, memberId));
            if (sessionTimeoutMs < 100 || sessionTimeoutMs > 3_600_000)
                return Task.FromResult(JoinGroupResult.Failed(ErrorCode.InvalidSessionTimeout, memberId));
            if (protocols.Count == 0)
                return Task.FromResult(JoinGroupResult.Failed(ErrorCode.InconsistentGroupProtocol, memberId));
            var group = GetOrCreate(groupId);
            if (group.Members.Count > 0 && group.ProtocolType != protocolType)
                return Task.FromResult(JoinGroupResult.Failed(ErrorCode.InconsistentGroupProtocol, memberId));
            GroupMember? member;
            if (string.IsNullOrEmpty(memberId))
            {
                member = new GroupMember { Id = $"{(string.IsNullOrEmpty(clientId) ? "member" : clientId)}-{Guid.NewGuid():N}" };
                group.Members.Add(member);
            }
            else
            {
                member = group.Member(memberId);
                if (member is null)
                    return Task.FromResult(JoinGroupResult.Failed(ErrorCode.UnknownMemberId, memberId));
                // A follower rejoining a stable group with unchanged protocols just gets the current generation back.
                if (group.State == GroupState.Stable && member.Id != group.Leader && SameProtocols(member.Protocols, protocols))
                {
                    member.LastHeartbeat = DateTime.UtcNow;
                    return Task.FromResult(
                        new JoinGroupResult(ErrorCode.None, group.Generation, group.Protocol, group.Leader!, member.Id, [])
                    );
                }
            }
            member.ClientId = clientId;
            member.ClientHost = clientHost;
            member.GroupInstanceId = instanceId;
            member.SessionTimeoutMs = sessionTimeoutMs;
            member.RebalanceTimeoutMs = rebalanceTimeoutMs;
            member.Protocols = protocols;
            member.LastHeartbeat = DateTime.UtcNow;
            member.PendingJoin?.TrySetResult(JoinGroupResult.Failed(ErrorCode.UnknownMemberId, member.Id));
            member.PendingJoin = new TaskCompletionSource<JoinGroupResult>(TaskCreationOptions.RunContinuationsAsynchronously);
            group.ProtocolType = protocolType;
            if (group.State != GroupState.PreparingRebalance)
            {
                if (group.State == GroupState.Empty && _options.InitialRebalanceDelay > TimeSpan.Zero)
                    group.JoinNotBefore = DateTime.UtcNow + _options.InitialRebalanceDelay;
                PrepareRebalance(group);
            }
            var task = member.PendingJoin.Task;
            TryCompleteJoin(group, force: false);
            return task;
        }
    }

    private static bool SameProtocols(List<(string Name, byte[] Metadata)> a, List<(string Name, byte[] Metadata)> b)
    {
        if (a.Count != b.Count)
            return false;
        for (int i = 0; i < a.Count; i++)
            if (a[i].Name != b[i].Name || !a[i].Metadata.AsSpan().SequenceEqual(b[i].Metadata))
                return false;
        return true;
    }

    private void PrepareRebalance(ConsumerGroup group)
    {
        foreach (var m in group.Members)
        {
            m.PendingSync?.TrySetResult((ErrorCode.RebalanceInProgress, []));
            m.PendingSync = null;
        }
        group.State = GroupState.PreparingRebalance;
        int timeout = group.Members.Count == 0 ? 0 : group.Members.Max(m => m.RebalanceTimeoutMs);
        group.RebalanceDeadline = DateTime.UtcNow.AddMilliseconds(Math.Max(timeout, 1000));
    }

    /// <summary>Ends the join phase once every member has rejoined, or (force) at the deadline, dropping the absent.</summary>
    private void TryCompleteJoin(ConsumerGroup group, bool force)
    {
        if (group.State != GroupState.PreparingRebalance)
            return;
        if (DateTime.UtcNow < group.JoinNotBefore && !force)
            return;
        if (!force && group.Members.Any(m => m.PendingJoin is null))
            return;
        group.Members.RemoveAll(m => m.PendingJoin is null);
        group.Generation++;
        if (group.Members.Count == 0)
        {
            group.State = GroupState.Empty;
            group.Leader = null;
            group.Protocol = null;
            return;
        }
        if (group.Leader is null || group.Member(group.Leader) is null)
            group.Leader = group.Members[0].Id;
        var leader = group.Member(group.Leader)!;
        group.Protocol = leader
            .Protocols.Select(p => p.Name)
            .FirstOrDefault(name => group.Members.All(m => m.MetadataFor(name) is not null));
        if (group.Protocol is null)
        {
            foreach (var m in group.Members)
                m.PendingJoin!.TrySetResult(JoinGroupResult.Failed(ErrorCode.InconsistentGroupProtocol, m.Id));
            group.Members.Clear();
            group.State = GroupState.Empty;
            return;
        }
        group.State = GroupState.CompletingRebalance;
        var all = group.Members.Select(m => (m.Id, m.GroupInstanceId, m.MetadataFor(group.Protocol)!)).ToList();
        var now = DateTime.UtcNow;
        foreach (var m in group.Members)
        {
            m.LastHeartbeat = now;
            var result = new JoinGroupResult(
                ErrorCode.None,
                group.Generation,
                group.Protocol,
                group.Leader,
                m.Id,
                m.Id == group.Leader ? all : []
            );
            var pending = m.PendingJoin!;
            m.PendingJoin = null;
            pending.TrySetResult(result);
        }
        _logger.LogInformation(
            "Group {Group} generation {Generation}: {Count} members, protocol {Protocol}",
            group.Id,
            group.Generation,
            group.Members.Count,
            group.Protocol
        );
    }

    public Task<(ErrorCode, byte[])> SyncAsync(
        string groupId,
        int generation,
        string memberId,
        List<(string Member, byte[] Assignment)> assignments
    )
    {
        lock (_lock)
        {
            if (FindMember(groupId, memberId) is not (var group, var member))
                return Task.FromResult((ErrorCode.UnknownMemberId, Array.Empty<byte>()));
            if (generation != group.Generation)
                return Task.FromResult((ErrorCode.IllegalGeneration, Array.Empty<byte>()));
            member.LastHeartbeat = DateTime.UtcNow;
            switch (group.State)
            {
                case GroupState.PreparingRebalance:
                    return Task.FromResult((ErrorCode.RebalanceInProgress, Array.Empty<byte>()));
                case GroupState.Stable:
                    return Task.FromResult((ErrorCode.None, member.Assignment));
                case GroupState.CompletingRebalance:
                    member.PendingSync = new TaskCompletionSource<(ErrorCode, byte[])>(TaskCreationOptions.RunContinuationsAsynchronously);
                    var task = member.PendingSync.Task;
                    if (memberId == group.Leader)
                    {
                        foreach (var m in group.Members)
                            m.Assignment = [];
                        foreach (var (id, assignment) in assignments)
                            if (group.Member(id) is { } target)
                                target.Assignment = assignment;
                        group.State = GroupState.Stable;
                        foreach (var m in group.Members)
                        {
                            m.PendingSync?.TrySetResult((ErrorCode.None, m.Assignment));
                            m.PendingSync = null;
                        }
                    }
                    return task;
                default:
                    return Task.FromResult((ErrorCode.UnknownMemberId, Array.Empty<byte>()));
            }
        }
    }

    public ErrorCode Heartbeat(string groupId, int generation, string memberId)
    {
        lock (_lock)
        {
            if (FindMember(groupId, memberId) is not (var group, var member))
                return ErrorCode.UnknownMemberId;
            member.LastHeartbeat = DateTime.UtcNow;
            if (group.State == GroupState.PreparingRebalance)
                return ErrorCode.RebalanceInProgress;
            if (generation != group.Generation)
                return ErrorCode.IllegalGeneration;
            return ErrorCode.None;
        }
    }

    public ErrorCode Leave(string groupId, string memberId)
    {
        lock (_lock)
        {
            if (FindMember(groupId, memberId) is not (var group, var member))
                return ErrorCode.UnknownMemberId;
            RemoveMember(group, member, "left");
            return ErrorCode.None;
        }
    }

    /// <summary>A member of a group, or null when either is unknown (UNKNOWN_MEMBER_ID). Call under the lock.</summary>
    private (ConsumerGroup Group, GroupMember Member)? FindMember(string groupId, string memberId) =>
        _groups.TryGetValue(groupId, out var group) && group.Member(memberId) is { } member ? (group, member) : null;

    private void RemoveMember(ConsumerGroup group, GroupMember member, string why)
    {
        group.Members.Remove(member);
        member.PendingJoin?.TrySetResult(JoinGroupResult.Failed(ErrorCode.UnknownMemberId, member.Id));
        member.PendingSync?.TrySetResult((ErrorCode.UnknownMemberId, []));
        _logger.LogInformation("Member {Member} {Why} group {Group}", member.Id, why, group.Id);
        if (group.State == GroupState.PreparingRebalance)
        {
            TryCompleteJoin(group, force: false);
            return;
        }
        if (group.Members.Count == 0)
        {
            group.State = GroupState.Empty;
            group.Generation++;
            group.Leader = null;
            return;
        }
        PrepareRebalance(group);
        TryCompleteJoin(group, force: false);
    }

    /// <summary>Session expiry and join deadlines; called a few times per second.</summary>
    public void Tick()
    {
        lock (_lock)
        {
            var now = DateTime.UtcNow;
            foreach (var group in _groups.Values)
            {
                foreach (var m in group.Members.ToList())
                    if (m.PendingJoin is null && now - m.LastHeartbeat > TimeSpan.FromMilliseconds(m.SessionTimeoutMs))
                        RemoveMember(group, m, "expired (session timeout) from");
                if (group.State == GroupState.PreparingRebalance)
                    TryCompleteJoin(group, force: now >= group.RebalanceDeadline);
            }
        }
    }

    // ---------------------------------------------------------------- offsets

    public ErrorCode ValidateCommit(string groupId, int generation, string memberId)
    {
        lock (_lock)
        {
            if (string.IsNullOrEmpty(groupId))
                return ErrorCode.InvalidGroupId;
            var group = GetOrCreate(groupId);
            if (generation < 0 && group.Members.Count == 0)
                return ErrorCode.None; // a simple (non-member) commit
            if (group.Member(memberId) is not { } member)
                return group.Members.Count == 0 ? ErrorCode.IllegalGeneration : ErrorCode.UnknownMemberId;
            if (generation != group.Generation)
                return ErrorCode.IllegalGeneration;
            if (group.State == GroupState.CompletingRebalance)
                return ErrorCode.RebalanceInProgress;
            member.LastHeartbeat = DateTime.UtcNow;
            return ErrorCode.None;
        }
    }

    /// <summary>TxnOffsetCommit v3 (KIP-447): the consumer the offsets belong to must still be a current member.</summary>
    public ErrorCode ValidateTxnCommitMember(string groupId, int generation, string memberId)
    {
        lock (_lock)
        {
            // As Kafka's doTxnCommitOffsets: only a commit without a generation is a simple (non-member) commit. A member's
            // commit into a group it is no longer in (left, evicted, or the group emptied by a broker restart) is a zombie's:
            // accepting it let a stale processor overwrite the state of the instance that took its partitions over
            // (found by `make chaos`, seed 3: 1,018 stored trades missing from their candles).
            if (generation < 0 && memberId.Length == 0 && (!_groups.TryGetValue(groupId, out var g) || g.Members.Count == 0))
                return ErrorCode.None;
            if (FindMember(groupId, memberId) is not (var group, _))
                return ErrorCode.UnknownMemberId;
            if (generation != group.Generation)
                return ErrorCode.IllegalGeneration;
            return ErrorCode.None;
        }
    }

    public void Commit(string groupId, string topic, int partition, CommittedOffset offset)
    {
        lock (_lock)
        {
            GetOrCreate(groupId).Offsets[(topic, partition)] = offset;
            Persist(CommitEntry(groupId, topic, partition, offset));
        }
    }

    public CommittedOffset? Fetch(string groupId, string topic, int partition)
    {
        lock (_lock)
            return _groups.TryGetValue(groupId, out var g) && g.Offsets.TryGetValue((topic, partition), out var o) ? o : null;
    }

    /// <summary>Whether an open transaction holds offsets for this group and partition (OffsetFetch require_stable).</summary>
    public bool HasPendingTxnOffset(string groupId, string topic, int partition)
    {
        lock (_lock)
        {
            foreach (var list in _pendingTxn.Values)
            foreach (var p in list)
                if (p.Partition == partition && p.Group == groupId && p.Topic == topic)
                    return true;
            return false;
        }
    }

    public List<(string Topic, int Partition, CommittedOffset Offset)> FetchAll(string groupId)
    {
        lock (_lock)
            return _groups.TryGetValue(groupId, out var g)
                ? g.Offsets.Select(kv => (kv.Key.Topic, kv.Key.Partition, kv.Value)).ToList()
                : new();
    }

    /// <summary>TxnOffsetCommit: offsets become visible only when the producer's transaction commits.</summary>
    public void AddPendingTxnOffset(long producerId, string groupId, string topic, int partition, CommittedOffset offset)
    {
        lock (_lock)
        {
            if (!_pendingTxn.TryGetValue(producerId, out var list))
                _pendingTxn[producerId] = list = new();
            list.Add((groupId, topic, partition, offset));
            Persist(
                Entry(w =>
                {
                    w.Write(EntryTxnPending);
                    w.Write(producerId);
                    w.Write(groupId);
                    w.Write(topic);
                    w.Write(partition);
                    WriteOffset(w, offset);
                })
            );
        }
    }

    public void CompleteTransaction(long producerId, bool commit)
    {
        lock (_lock)
        {
            if (!_pendingTxn.ContainsKey(producerId))
                return;
            Persist(
                Entry(w =>
                {
                    w.Write(EntryTxnEnd);
                    w.Write(producerId);
                    w.Write(commit);
                })
            );
            ApplyTxnEnd(producerId, commit);
        }
    }

    private void ApplyTxnEnd(long producerId, bool commit)
    {
        if (!_pendingTxn.Remove(producerId, out var list) || !commit)
            return;
        foreach (var (group, topic, partition, offset) in list)
            GetOrCreate(group).Offsets[(topic, partition)] = offset;
    }

    public ErrorCode DeleteOffset(string groupId, string topic, int partition)
    {
        lock (_lock)
        {
            if (!_groups.TryGetValue(groupId, out var g))
                return ErrorCode.GroupIdNotFound;
            if (g.State != GroupState.Empty && g.Members.Count > 0)
                return ErrorCode.GroupSubscribedToTopic;
            if (g.Offsets.Remove((topic, partition)))
                Persist(
                    Entry(w =>
                    {
                        w.Write(EntryDeleteOffset);
                        w.Write(groupId);
                        w.Write(topic);
                        w.Write(partition);
                    })
                );
            return ErrorCode.None;
        }
    }

    public ErrorCode DeleteGroup(string groupId)
    {
        lock (_lock)
        {
            if (!_groups.TryGetValue(groupId, out var g))
                return ErrorCode.GroupIdNotFound;
            if (g.Members.Count > 0)
                return ErrorCode.NonEmptyGroup;
            _groups.Remove(groupId);
            Persist(
                Entry(w =>
                {
                    w.Write(EntryDeleteGroup);
                    w.Write(groupId);
                })
            );
            return ErrorCode.None;
        }
    }

    public bool GroupExists(string groupId)
    {
        lock (_lock)
            return _groups.ContainsKey(groupId);
    }

    public List<(string Id, string ProtocolType, string State)> List()
    {
        lock (_lock)
            return _groups.Values.Select(g => (g.Id, g.ProtocolType ?? "consumer", g.StateName)).ToList();
    }

    public record struct GroupDescription(
        ErrorCode Error,
        string State,
        string ProtocolType,
        string Protocol,
        List<(string Id, string? InstanceId, string ClientId, string Host, byte[] Metadata, byte[] Assignment)> Members
    );

    public GroupDescription Describe(string groupId)
    {
        lock (_lock)
        {
            if (!_groups.TryGetValue(groupId, out var g))
                return new(ErrorCode.None, "Dead", "", "", new());
            var members = g
                .Members.Select(m =>
                    (
                        m.Id,
                        m.GroupInstanceId,
                        m.ClientId,
                        m.ClientHost,
                        g.Protocol is null ? Array.Empty<byte>() : m.MetadataFor(g.Protocol) ?? [],
                        m.Assignment
                    )
                )
                .ToList();
            return new(ErrorCode.None, g.StateName, g.ProtocolType ?? "", g.Protocol ?? "", members);
        }
    }

    /// <summary>Answers every waiting JoinGroup/SyncGroup (the broker is stopping), so no connection hangs on them.</summary>
    public void FailPendingRequests()
    {
        lock (_lock)
        {
            foreach (var g in _groups.Values)
            foreach (var m in g.Members)
            {
                m.PendingJoin?.TrySetResult(JoinGroupResult.Failed(ErrorCode.CoordinatorNotAvailable, m.Id));
                m.PendingJoin = null;
                m.PendingSync?.TrySetResult((ErrorCode.CoordinatorNotAvailable, []));
                m.PendingSync = null;
            }
        }
    }

    public void Dispose() => _log.Dispose();
}
