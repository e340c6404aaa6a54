// The positions store: the Kafka position of each partition that the database holds (sink_positions, keyed by the
// consumer name), and what this sink believes it holds between writes. Loaded on assignment and after an ownership
// loss, claimed by compare-and-set inside each batch's transaction, remembered once that transaction committed.
using Confluent.Kafka;
using Npgsql;

namespace Pipeline.Sinks;

internal sealed class SinkPositions(string consumerName)
{
    // What this sink believes sink_positions holds for its partitions: the next write compares and sets it.
    private readonly Dictionary<TopicPartition, long> _believed = new();

    /// <summary>A copy of what this sink believes is stored (a write runs on another thread than the consume loop).</summary>
    public Dictionary<TopicPartition, long> Snapshot() => new(_believed);

    /// <summary>Loads the stored positions of these partitions (absent: never written).</summary>
    public Task<Dictionary<TopicPartition, long>> LoadAsync(
        NpgsqlConnection conn,
        IReadOnlyCollection<TopicPartition> partitions,
        CancellationToken ct
    ) => LoadAsync(conn, consumerName, partitions, ct);

    /// <summary>The stored positions of <paramref name="consumer"/> for these partitions (absent: never written); the
    /// TWAP sink loads its own with it.</summary>
    public static async Task<Dictionary<TopicPartition, long>> LoadAsync(
        NpgsqlConnection conn,
        string consumer,
        IReadOnlyCollection<TopicPartition> partitions,
        CancellationToken ct
    )
    {
        var result = new Dictionary<TopicPartition, long>();
        if (partitions.Count == 0)
            return result;
        await using var cmd = new NpgsqlCommand(
            "SELECT topic, partition, next_offset FROM sink_positions WHERE consumer = $1 AND topic = ANY($2)",
            conn
        );
        cmd.Parameters.Add(new() { Value = consumer });
        cmd.Parameters.Add(new() { Value = partitions.Select(p => p.Topic).Distinct().ToArray() });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var wanted = partitions.ToHashSet();
        while (await reader.ReadAsync(ct))
        {
            var tp = new TopicPartition(reader.GetString(0), reader.GetInt32(1));
            if (wanted.Contains(tp))
                result[tp] = reader.GetInt64(2);
        }
        return result;
    }

    /// <summary>Believes <paramref name="loaded"/> for these partitions and returns where to read each from: its stored
    /// position, or the beginning of a partition never written.</summary>
    public List<TopicPartitionOffset> Adopt(IEnumerable<TopicPartition> partitions, IReadOnlyDictionary<TopicPartition, long> loaded)
    {
        var starts = new List<TopicPartitionOffset>();
        foreach (var tp in partitions)
        {
            if (loaded.TryGetValue(tp, out var next))
            {
                _believed[tp] = next;
                starts.Add(new TopicPartitionOffset(tp, next));
            }
            else
            {
                _believed.Remove(tp);
                starts.Add(new TopicPartitionOffset(tp, Offset.Beginning));
            }
        }
        return starts;
    }

    /// <summary>The batch's transaction committed: its slices' next offsets are what the table holds now.</summary>
    public List<TopicPartitionOffset> Remember(SinkBatch batch)
    {
        var done = batch.Slices.Select(s => new TopicPartitionOffset(s.Key, s.Value.NextOffset)).ToList();
        foreach (var p in done)
            _believed[p.TopicPartition] = p.Offset.Value;
        return done;
    }

    /// <summary>Partitions this sink no longer owns: their next owner loads their positions itself.</summary>
    public void Forget(IEnumerable<TopicPartition> partitions)
    {
        foreach (var tp in partitions)
            _believed.Remove(tp);
    }

    public void Clear() => _believed.Clear();

    /// <summary>Inside the batch's transaction: moves each partition's stored position from what this sink believed
    /// (<paramref name="believed"/>) to the slice's next offset, or throws <see cref="SinkOwnershipLostException"/> when
    /// another writer moved it first (the transaction then rolls back: nothing of the batch is written).</summary>
    public Task ClaimAsync(
        NpgsqlConnection conn,
        NpgsqlTransaction tx,
        IReadOnlyDictionary<TopicPartition, PartitionSlice> slices,
        IReadOnlyDictionary<TopicPartition, long> believed,
        CancellationToken ct
    ) => ClaimAsync(conn, tx, consumerName, slices.ToDictionary(s => s.Key, s => s.Value.NextOffset), believed, ct);

    /// <summary>The compare-and-set of <paramref name="consumer"/>'s positions to <paramref name="next"/>, shared by every
    /// sink that keeps its positions in sink_positions (the market-data sink and the TWAP sink).</summary>
    public static async Task ClaimAsync(
        NpgsqlConnection conn,
        NpgsqlTransaction tx,
        string consumer,
        IReadOnlyDictionary<TopicPartition, long> next,
        IReadOnlyDictionary<TopicPartition, long> believed,
        CancellationToken ct
    )
    {
        if (next.Count == 0)
            return;
        // Compare-and-set on each position: the UPDATE locks the row, so a second writer of the same partition
        // waits for us and then finds the offset moved (0 rows); a second first writer hits the primary key.
        await using var batch = new NpgsqlBatch(conn, tx);
        foreach (var (tp, offset) in next)
        {
            var known = believed.TryGetValue(tp, out var expected);
            var cmd = known
                ? new NpgsqlBatchCommand(
                    "UPDATE sink_positions SET next_offset = $4, updated_at = now() "
                        + "WHERE consumer = $1 AND topic = $2 AND partition = $3 AND next_offset = $5"
                )
                : new NpgsqlBatchCommand("INSERT INTO sink_positions (consumer, topic, partition, next_offset) VALUES ($1, $2, $3, $4)");
            cmd.Parameters.Add(new() { Value = consumer });
            cmd.Parameters.Add(new() { Value = tp.Topic });
            cmd.Parameters.Add(new() { Value = tp.Partition.Value });
            cmd.Parameters.Add(new() { Value = offset });
            if (known)
                cmd.Parameters.Add(new() { Value = expected });
            batch.BatchCommands.Add(cmd);
        }
        try
        {
            await batch.ExecuteNonQueryAsync(ct);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            throw new SinkOwnershipLostException(
                $"a first position for a partition of this batch was stored meanwhile ({e.Detail ?? e.MessageText}): "
                    + $"by another sink '{consumer}', or by an earlier attempt whose commit succeeded though its answer was lost"
            );
        }
        var lost = next
            .Keys.Zip(batch.BatchCommands.Cast<NpgsqlBatchCommand>())
            .Where(p => p.Second.RecordsAffected != 1)
            .Select(p => $"{p.First.Topic}[{p.First.Partition.Value}]")
            .ToList();
        if (lost.Count > 0)
            throw new SinkOwnershipLostException(
                $"the stored positions of {string.Join(", ", lost)} moved since this sink read them: "
                    + $"another sink '{consumer}' wrote them, or an earlier attempt's commit succeeded though its answer was lost"
            );
    }
}
