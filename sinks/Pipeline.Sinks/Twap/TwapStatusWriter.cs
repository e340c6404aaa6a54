// Writes one batch of twap.statuses in one database transaction: the Kafka positions it reached (compare-and-set),
// the status rows (COPY into a staging table + upsert by primary key) and the object-version marks (delete the rows of
// an object's older ingest generations). A crash before COMMIT leaves nothing; after it, the positions say so.
using Confluent.Kafka;
using Npgsql;
using NpgsqlTypes;
using Pipeline.Schemas.V1;

namespace Pipeline.Sinks.Twap;

internal sealed class TwapStatusWriter(string consumerName)
{
    public const string StagingTableSql = """
        CREATE TEMP TABLE IF NOT EXISTS twap_status_stage (LIKE twap_status INCLUDING DEFAULTS) ON COMMIT DELETE ROWS;
        """;

    // Same key, same object: only a newer (or the same) generation replaces the row; another object's row with the same
    // key is replaced by the later record (the latest publication wins).
    private const string UpsertSql = """
        INSERT INTO twap_status SELECT * FROM twap_status_stage
        ON CONFLICT (twap_id, wallet, time) DO UPDATE SET
            status = EXCLUDED.status, coin = EXCLUDED.coin, side = EXCLUDED.side, size = EXCLUDED.size,
            executed_size = EXCLUDED.executed_size, executed_notional = EXCLUDED.executed_notional, minutes = EXCLUDED.minutes,
            reduce_only = EXCLUDED.reduce_only, randomize = EXCLUDED.randomize, order_time = EXCLUDED.order_time,
            raw_payload = EXCLUDED.raw_payload, source_object = EXCLUDED.source_object, source_generation = EXCLUDED.source_generation
        WHERE twap_status.source_object <> EXCLUDED.source_object OR twap_status.source_generation <= EXCLUDED.source_generation
        """;

    public Task<Dictionary<TopicPartition, long>> LoadPositionsAsync(
        NpgsqlConnection conn,
        IReadOnlyCollection<TopicPartition> partitions,
        CancellationToken ct
    ) => SinkPositions.LoadAsync(conn, consumerName, partitions, ct);

    /// <summary>Writes the batch atomically. <paramref name="stored"/> is what this sink believes sink_positions holds; if
    /// another writer moved a position, nothing is written and <see cref="SinkOwnershipLostException"/> is thrown.</summary>
    public async Task WriteAsync(
        NpgsqlConnection conn,
        TwapStatusBatch batch,
        IReadOnlyDictionary<TopicPartition, long> stored,
        CancellationToken ct
    )
    {
        await using var tx = await conn.BeginTransactionAsync(ct);
        await SinkPositions.ClaimAsync(conn, tx, consumerName, batch.NextOffsets, stored, ct);
        var latest = new Dictionary<(long, string, long), TwapStatus>();
        // Kafka order within a partition (a key's records share one): a later record of the same key wins.
        foreach (var s in batch.Statuses)
            latest[(s.TwapId, s.Wallet, s.TimeUs)] = s;
        if (latest.Count > 0)
        {
            await using (
                var copy = await conn.BeginBinaryImportAsync(
                    "COPY twap_status_stage (twap_id, wallet, time, status, coin, side, size, executed_size, executed_notional, minutes, "
                        + "reduce_only, randomize, order_time, raw_payload, source_object, source_generation) FROM STDIN (FORMAT BINARY)",
                    ct
                )
            )
            {
                foreach (var s in latest.Values)
                {
                    await copy.StartRowAsync(ct);
                    copy.Write(s.TwapId, NpgsqlDbType.Bigint);
                    copy.Write(s.Wallet, NpgsqlDbType.Text);
                    copy.Write(ToTime(s.TimeUs), NpgsqlDbType.TimestampTz);
                    copy.Write(s.Status, NpgsqlDbType.Text);
                    copy.Write(s.Coin, NpgsqlDbType.Text);
                    copy.Write(s.Side == TwapSide.Buy ? "B" : "A", NpgsqlDbType.Char);
                    copy.Write(s.Size.ToDecimal(), NpgsqlDbType.Numeric);
                    copy.Write(s.ExecutedSize.ToDecimal(), NpgsqlDbType.Numeric);
                    copy.Write(s.ExecutedNotional.ToDecimal(), NpgsqlDbType.Numeric);
                    if (s.HasMinutes)
                        copy.Write(s.Minutes, NpgsqlDbType.Integer);
                    else
                        copy.WriteNull();
                    if (s.HasReduceOnly)
                        copy.Write(s.ReduceOnly, NpgsqlDbType.Boolean);
                    else
                        copy.WriteNull();
                    if (s.HasRandomize)
                        copy.Write(s.Randomize, NpgsqlDbType.Boolean);
                    else
                        copy.WriteNull();
                    if (s.HasOrderTimeUs)
                        copy.Write(ToTime(s.OrderTimeUs), NpgsqlDbType.TimestampTz);
                    else
                        copy.WriteNull();
                    copy.Write(s.RawPayload, NpgsqlDbType.Jsonb);
                    copy.Write(s.SourceObject, NpgsqlDbType.Text);
                    copy.Write(s.SourceGeneration, NpgsqlDbType.Bigint);
                }
                await copy.CompleteAsync(ct);
            }
            await using var upsert = new NpgsqlCommand(UpsertSql, conn, tx);
            await upsert.ExecuteNonQueryAsync(ct);
        }
        // After the upserts: a mark removes what its object published in older generations, never its own rows.
        foreach (var v in batch.Versions.GroupBy(v => v.ObjectKey).Select(g => g.MaxBy(v => v.Generation)!))
        {
            await using var delete = new NpgsqlCommand(
                "DELETE FROM twap_status WHERE source_object = $1 AND source_generation < $2",
                conn,
                tx
            );
            delete.Parameters.Add(new() { Value = v.ObjectKey });
            delete.Parameters.Add(new() { Value = v.Generation });
            await delete.ExecuteNonQueryAsync(ct);
        }
        await tx.CommitAsync(ct);
    }

    private static DateTime ToTime(long us) => DateTime.UnixEpoch.AddTicks(us * 10);
}
