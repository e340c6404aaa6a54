namespace Pipeline.Broker;

/// <summary>
/// The topics array, each topic with its partitions array, that the partition-level requests carry and their responses
/// mirror (ListOffsets, OffsetForLeaderEpoch, DeleteRecords, OffsetCommit, TxnOffsetCommit, OffsetFetch, OffsetDelete,
/// AddPartitionsToTxn), with the classic and the flexible (KIP-482) encodings handled here once.
/// </summary>
internal static class TopicArrays
{
    /// <summary>
    /// Reads a request's topics array and writes the response's alongside it: the topic count, each name and each partition
    /// count are echoed as sent (a null array stays null), and <paramref name="partition"/> is called with the topic and the
    /// partition id to read the rest of that partition's request fields and write its response fields. A partition that has
    /// tagged fields reads them itself, before it acts; the tagged fields closing each response partition and each topic are
    /// written here, and each request topic's are read here.
    /// </summary>
    public static void Echo(ProtocolReader r, ProtocolWriter w, bool flexible, Action<string, int> partition)
    {
        int topicCount = r.ArrayLength(flexible);
        w.ArrayLength(topicCount, flexible);
        for (int t = 0; t < topicCount; t++)
        {
            string topic = r.String(flexible);
            int partitionCount = r.ArrayLength(flexible);
            w.String(topic, flexible);
            w.ArrayLength(partitionCount, flexible);
            for (int p = 0; p < partitionCount; p++)
            {
                partition(topic, r.Int32());
                w.TaggedFields(flexible);
            }
            r.TaggedFields(flexible);
            w.TaggedFields(flexible);
        }
    }

    /// <summary>A topics array whose partitions are bare ids, read whole before the request is acted on; null for a null array
    /// (a null partitions array reads as empty).</summary>
    public static List<(string Topic, int[] Partitions)>? ReadPartitionIds(ProtocolReader r, bool flexible = false)
    {
        int topicCount = r.ArrayLength(flexible);
        if (topicCount < 0)
            return null;
        var topics = new List<(string, int[])>(topicCount);
        for (int t = 0; t < topicCount; t++)
        {
            string topic = r.String(flexible);
            var partitions = r.Int32Array(flexible);
            r.TaggedFields(flexible);
            topics.Add((topic, partitions));
        }
        return topics;
    }

    /// <summary>Writes a response's topics array for <paramref name="topics"/>: <paramref name="partition"/> writes each
    /// partition's fields; the tagged fields closing each partition and each topic are written here.</summary>
    public static void Write(
        ProtocolWriter w,
        bool flexible,
        IReadOnlyList<(string Topic, int[] Partitions)> topics,
        Action<string, int> partition
    )
    {
        w.ArrayLength(topics.Count, flexible);
        foreach (var (topic, partitions) in topics)
        {
            w.String(topic, flexible);
            w.ArrayLength(partitions.Length, flexible);
            foreach (int p in partitions)
            {
                partition(topic, p);
                w.TaggedFields(flexible);
            }
            w.TaggedFields(flexible);
        }
    }
}
