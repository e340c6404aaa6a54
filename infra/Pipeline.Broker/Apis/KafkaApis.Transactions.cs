namespace Pipeline.Broker;

// InitProducerId and the transaction APIs (KIP-98).
internal sealed partial class KafkaApis
{
    private ProtocolWriter InitProducerId(RequestHeader h, ProtocolReader r)
    {
        string? transactionalId = r.NullableString();
        int timeoutMs = r.Int32();
        var (error, pid, epoch) = transactions.InitProducerId(transactionalId, timeoutMs);
        var w = Begin(h.CorrelationId);
        w.Int32(0);
        w.Int16((short)error);
        w.Int64(pid);
        w.Int16(epoch);
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
            for (int p = 0; p < n; p++) { int partition = r.Int32(); parts.Add(partition); partitions.Add((topic, partition)); }
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
            foreach (int p in parts) { w.Int32(p); w.Int16((short)results[(topic, p)]); }
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
        string transactionalId = r.String();
        string groupId = r.String();
        long pid = r.Int64();
        short epoch = r.Int16();
        var check = transactions.ValidateTxnOffsetCommit(transactionalId, pid, epoch, groupId);
        int topicCount = r.ArrayLength();
        var w = Begin(h.CorrelationId);
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
                int leaderEpoch = v >= 2 ? r.Int32() : -1;
                string? metadata = r.NullableString();
                var error = check;
                if (error == ErrorCode.None && logs.Get(topic, partition) is null) error = ErrorCode.UnknownTopicOrPartition;
                if (error == ErrorCode.None) groups.AddPendingTxnOffset(pid, groupId, topic, partition, new CommittedOffset(offset, leaderEpoch, metadata));
                w.Int32(partition);
                w.Int16((short)error);
            }
        }
        return End(w);
    }
}
