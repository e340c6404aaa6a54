namespace Pipeline.Broker;

// InitProducerId and the transaction APIs (KIP-98).
internal sealed partial class KafkaApis
{
    private ProtocolWriter InitProducerId(RequestHeader h, ProtocolReader r)
    {
        bool f = h.Flexible;
        string? transactionalId = r.NullableString(f);
        int timeoutMs = r.Int32();
        long expectedPid = h.ApiVersion >= 3 ? r.Int64() : -1;
        short expectedEpoch = h.ApiVersion >= 3 ? r.Int16() : (short)-1;
        r.TaggedFields(f);
        var (error, pid, epoch) = transactions.InitProducerId(transactionalId, timeoutMs, expectedPid, expectedEpoch);
        var w = Begin(h);
        w.Int32(0);
        w.Int16((short)error);
        w.Int64(pid);
        w.Int16(epoch);
        w.TaggedFields(f);
        return End(w);
    }

    private ProtocolWriter AddPartitionsToTxn(RequestHeader h, ProtocolReader r)
    {
        string transactionalId = r.String();
        long pid = r.Int64();
        short epoch = r.Int16();
        int topicCount = r.ArrayLength();
        var partitions = new List<(string, int)>();
        var order = new List<(string Topic, List<int> Partitions)>();
        for (int t = 0; t < topicCount; t++)
        {
            string topic = r.String();
            int n = r.ArrayLength();
            var parts = new List<int>();
            for (int p = 0; p < n; p++)
            {
                int partition = r.Int32();
                parts.Add(partition);
                partitions.Add((topic, partition));
            }
            order.Add((topic, parts));
        }
        var results = transactions.AddPartitions(transactionalId, pid, epoch, partitions);
        var w = Begin(h.CorrelationId);
        w.Int32(0);
        w.ArrayLength(order.Count);
        foreach (var (topic, parts) in order)
        {
            w.String(topic);
            w.ArrayLength(parts.Count);
            foreach (int p in parts)
            {
                w.Int32(p);
                w.Int16((short)results[(topic, p)]);
            }
        }
        return End(w);
    }

    private ProtocolWriter AddOffsetsToTxn(RequestHeader h, ProtocolReader r)
    {
        string transactionalId = r.String();
        long pid = r.Int64();
        short epoch = r.Int16();
        string groupId = r.String();
        var w = Begin(h.CorrelationId);
        w.Int32(0);
        w.Int16((short)transactions.AddOffsets(transactionalId, pid, epoch, groupId));
        return End(w);
    }

    private ProtocolWriter EndTxn(RequestHeader h, ProtocolReader r)
    {
        string transactionalId = r.String();
        long pid = r.Int64();
        short epoch = r.Int16();
        bool commit = r.Bool();
        var w = Begin(h.CorrelationId);
        w.Int32(0);
        w.Int16((short)transactions.EndTxn(transactionalId, pid, epoch, commit));
        return End(w);
    }

    private ProtocolWriter TxnOffsetCommit(RequestHeader h, ProtocolReader r)
    {
        short v = h.ApiVersion;
        bool f = h.Flexible;
        string transactionalId = r.String(f);
        string groupId = r.String(f);
        long pid = r.Int64();
        short epoch = r.Int16();
        int generation = -1;
        string memberId = "";
        if (v >= 3)
        {
            generation = r.Int32();
            memberId = r.String(f);
            r.NullableString(f);
        }
        var check = transactions.ValidateTxnOffsetCommit(transactionalId, pid, epoch, groupId);
        // KIP-447: a producer acting for a consumer that has since lost its partitions is fenced by the group generation.
        if (check == ErrorCode.None && (generation >= 0 || memberId.Length > 0))
            check = groups.ValidateTxnCommitMember(groupId, generation, memberId);
        int topicCount = r.ArrayLength(f);
        var w = Begin(h);
        w.Int32(0);
        w.ArrayLength(topicCount, f);
        for (int t = 0; t < topicCount; t++)
        {
            string topic = r.String(f);
            int n = r.ArrayLength(f);
            w.String(topic, f);
            w.ArrayLength(n, f);
            for (int p = 0; p < n; p++)
            {
                int partition = r.Int32();
                long offset = r.Int64();
                int leaderEpoch = v >= 2 ? r.Int32() : -1;
                string? metadata = r.NullableString(f);
                r.TaggedFields(f);
                var error = check;
                if (error == ErrorCode.None && logs.Get(topic, partition) is null)
                    error = ErrorCode.UnknownTopicOrPartition;
                if (error == ErrorCode.None)
                    groups.AddPendingTxnOffset(pid, groupId, topic, partition, new CommittedOffset(offset, leaderEpoch, metadata));
                w.Int32(partition);
                w.Int16((short)error);
                w.TaggedFields(f);
            }
            r.TaggedFields(f);
            w.TaggedFields(f);
        }
        r.TaggedFields(f);
        w.TaggedFields(f);
        return End(w);
    }
}
