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
        var w = BeginThrottled(h);
        w.Int16((short)error);
        w.Int64(pid);
        w.Int16(epoch);
        w.TaggedFields(f);
        return End(w);
    }

    private ProtocolWriter AddPartitionsToTxn(RequestHeader h, ProtocolReader r)
    {
        var (transactionalId, pid, epoch) = ReadTransactionalProducer(r);
        var requested = TopicArrays.ReadPartitionIds(r) ?? [];
        var partitions = requested.SelectMany(t => t.Partitions.Select(p => (t.Topic, p))).ToList();
        var results = transactions.AddPartitions(transactionalId, pid, epoch, partitions);
        var w = BeginThrottled(h);
        TopicArrays.Write(
            w,
            false,
            requested,
            (topic, partition) =>
            {
                w.Int32(partition);
                w.Int16((short)results[(topic, partition)]);
            }
        );
        return End(w);
    }

    private ProtocolWriter AddOffsetsToTxn(RequestHeader h, ProtocolReader r)
    {
        var (transactionalId, pid, epoch) = ReadTransactionalProducer(r);
        string groupId = r.String();
        return ThrottleAndError(h, transactions.AddOffsets(transactionalId, pid, epoch, groupId));
    }

    private ProtocolWriter EndTxn(RequestHeader h, ProtocolReader r)
    {
        var (transactionalId, pid, epoch) = ReadTransactionalProducer(r);
        bool commit = r.Bool();
        return ThrottleAndError(h, transactions.EndTxn(transactionalId, pid, epoch, commit));
    }

    /// <summary>The producer that AddPartitionsToTxn, AddOffsetsToTxn and EndTxn (classic versions) act for.</summary>
    private static (string TransactionalId, long ProducerId, short Epoch) ReadTransactionalProducer(ProtocolReader r)
    {
        string transactionalId = r.String();
        long pid = r.Int64();
        short epoch = r.Int16();
        return (transactionalId, pid, epoch);
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
        var w = BeginThrottled(h);
        TopicArrays.Echo(
            r,
            w,
            f,
            (topic, partition) =>
            {
                long offset = r.Int64();
                int leaderEpoch = v >= 2 ? r.Int32() : -1;
                string? metadata = r.NullableString(f);
                r.TaggedFields(f);
                var error = CommitError(check, topic, partition);
                if (error == ErrorCode.None)
                    groups.AddPendingTxnOffset(pid, groupId, topic, partition, new CommittedOffset(offset, leaderEpoch, metadata));
                w.Int32(partition);
                w.Int16((short)error);
            }
        );
        r.TaggedFields(f);
        w.TaggedFields(f);
        return End(w);
    }
}
