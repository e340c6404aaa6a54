// The ETL's memory in PostgreSQL (twap_ingest_log): which object versions were ingested, which failed and why.
using Npgsql;

namespace Pipeline.Producers.Twap;

public sealed class TwapIngestLog(NpgsqlDataSource db)
{
    /// <summary>What the log holds for one object.</summary>
    public sealed record Entry(string ETag, string State, long Generation);

    public async Task<Dictionary<string, Entry>> LoadAsync(CancellationToken ct)
    {
        var result = new Dictionary<string, Entry>(StringComparer.Ordinal);
        await using var cmd = db.CreateCommand("SELECT object_key, coalesce(etag, ''), state, generation FROM twap_ingest_log");
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
            result[r.GetString(0)] = new Entry(r.GetString(1), r.GetString(2), r.GetInt64(3));
        return result;
    }

    /// <summary>Marks the object as being ingested and returns its new generation (one more than any before).</summary>
    public async Task<long> BeginAsync(TwapObjectInfo o, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand(
            """
            INSERT INTO twap_ingest_log (object_key, etag, last_modified, size_bytes, generation, state, attempts, updated_at)
            VALUES ($1, $2, $3, $4, 1, 'ingesting', 1, now())
            ON CONFLICT (object_key) DO UPDATE SET etag = EXCLUDED.etag, last_modified = EXCLUDED.last_modified,
                size_bytes = EXCLUDED.size_bytes, generation = twap_ingest_log.generation + 1, state = 'ingesting',
                error = NULL, attempts = twap_ingest_log.attempts + 1, updated_at = now()
            RETURNING generation
            """
        );
        cmd.Parameters.Add(new() { Value = o.Key });
        cmd.Parameters.Add(new() { Value = o.ETag });
        cmd.Parameters.Add(new() { Value = o.LastModified.UtcDateTime });
        cmd.Parameters.Add(new() { Value = o.Size });
        return (long)(await cmd.ExecuteScalarAsync(ct))!;
    }

    public async Task IngestedAsync(TwapObjectInfo o, long rows, string? note, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand(
            """
            UPDATE twap_ingest_log
            SET state = 'ingested', etag = $2, last_modified = $3, size_bytes = $4, rows = $5, error = $6, updated_at = now()
            WHERE object_key = $1
            """
        );
        cmd.Parameters.Add(new() { Value = o.Key });
        cmd.Parameters.Add(new() { Value = o.ETag });
        cmd.Parameters.Add(new() { Value = o.LastModified.UtcDateTime });
        cmd.Parameters.Add(new() { Value = o.Size });
        cmd.Parameters.Add(new() { Value = rows });
        cmd.Parameters.Add(new() { Value = (object?)note ?? DBNull.Value });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Records a failure: 'failed' (bad content, skipped until the object changes) or 'unavailable' (retried next run).</summary>
    public async Task FailedAsync(TwapObjectInfo o, bool retryNextRun, string error, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand(
            """
            INSERT INTO twap_ingest_log (object_key, etag, last_modified, size_bytes, state, error, attempts, updated_at)
            VALUES ($1, $2, $3, $4, $5, $6, 1, now())
            ON CONFLICT (object_key) DO UPDATE SET etag = EXCLUDED.etag, last_modified = EXCLUDED.last_modified,
                size_bytes = EXCLUDED.size_bytes, state = EXCLUDED.state, error = EXCLUDED.error, rows = NULL, updated_at = now()
            """
        );
        cmd.Parameters.Add(new() { Value = o.Key });
        cmd.Parameters.Add(new() { Value = o.ETag });
        cmd.Parameters.Add(new() { Value = o.LastModified.UtcDateTime });
        cmd.Parameters.Add(new() { Value = o.Size });
        cmd.Parameters.Add(new() { Value = retryNextRun ? "unavailable" : "failed" });
        cmd.Parameters.Add(new() { Value = error });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Last-modified time of the newest ingested object (for the lag gauge).</summary>
    public async Task<DateTimeOffset?> NewestIngestedAsync(CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("SELECT max(last_modified) FROM twap_ingest_log WHERE state = 'ingested'");
        return await cmd.ExecuteScalarAsync(ct) is DateTime t ? new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc)) : null;
    }
}
