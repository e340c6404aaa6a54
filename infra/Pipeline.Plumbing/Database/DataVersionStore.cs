// The data_versions and current_data_version tables (ADR 0006): plan, progress and completion of a version, the
// current version the API serves, promote and the row side of drop. Shared by the CLI, the replay worker and the API.
using Npgsql;
using NpgsqlTypes;
using Pipeline.Plumbing.Errors;
using Pipeline.Schemas;

namespace Pipeline.Plumbing.Database;

public sealed class DataVersionStore(NpgsqlDataSource db)
{
    private const string Columns = """
        v.name, v.state, v.range_from, v.range_to, v.instruments, v.intervals, v.configuration::text, v.records_total,
        v.records_done, v.created_at, v.updated_at, v.completed_at, v.error, v.name = c.version
        """;

    /// <summary>Every version, live first, then by creation time.</summary>
    public async Task<IReadOnlyList<DataVersionRow>> ListAsync(CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand(
            $"SELECT {Columns} FROM data_versions v CROSS JOIN current_data_version c ORDER BY v.name <> 'live', v.created_at, v.name"
        );
        return await ReadAsync(cmd, ct);
    }

    public async Task<DataVersionRow?> FindAsync(string name, CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand(
            $"SELECT {Columns} FROM data_versions v CROSS JOIN current_data_version c WHERE v.name = $1"
        );
        cmd.Parameters.Add(new() { Value = name, NpgsqlDbType = NpgsqlDbType.Text });
        var rows = await ReadAsync(cmd, ct);
        return rows.Count == 0 ? null : rows[0];
    }

    /// <summary>The name of the version the API serves when a request names none.</summary>
    public async Task<string> CurrentAsync(CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand("SELECT version FROM current_data_version");
        return (string)(await cmd.ExecuteScalarAsync(ct))!;
    }

    /// <summary>Records a new version as planned; false when the name is taken (nothing changed then).</summary>
    public async Task<bool> TryPlanAsync(
        DataVersion version,
        DateTime? from,
        DateTime? to,
        IReadOnlyList<string> instruments,
        IReadOnlyList<string> intervals,
        string configurationJson,
        CancellationToken ct = default
    )
    {
        await using var cmd = db.CreateCommand(
            """
            INSERT INTO data_versions (name, state, range_from, range_to, instruments, intervals, configuration)
            VALUES ($1, 'planned', $2, $3, $4, $5, $6::jsonb) ON CONFLICT (name) DO NOTHING
            """
        );
        AddPlan(cmd, version, from, to, instruments, intervals, configurationJson);
        return await cmd.ExecuteNonQueryAsync(ct) == 1;
    }

    /// <summary>Removes a planned version whose request never reached the worker (nothing was written for it).</summary>
    public async Task ForgetPlannedAsync(DataVersion version, CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand("DELETE FROM data_versions WHERE name = $1 AND state = 'planned'");
        cmd.Parameters.Add(new() { Value = version.Name, NpgsqlDbType = NpgsqlDbType.Text });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Marks a version running with its final plan (range fixed at planning, records to read), creating its row
    /// when a replay was started without one (the CLI). A complete version is never reopened.</summary>
    public async Task StartAsync(
        DataVersion version,
        DateTime from,
        DateTime to,
        IReadOnlyList<string> instruments,
        IReadOnlyList<string> intervals,
        string configurationJson,
        long recordsTotal,
        CancellationToken ct = default
    )
    {
        if (version.IsLive)
            throw new ArgumentException("the live version is written by the live processors, never by a replay");
        await using var cmd = db.CreateCommand(
            """
            INSERT INTO data_versions (name, state, range_from, range_to, instruments, intervals, configuration, records_total)
            VALUES ($1, 'running', $2, $3, $4, $5, $6::jsonb, $7)
            ON CONFLICT (name) DO UPDATE SET state = 'running', range_from = EXCLUDED.range_from, range_to = EXCLUDED.range_to,
                instruments = EXCLUDED.instruments, intervals = EXCLUDED.intervals, configuration = EXCLUDED.configuration,
                records_total = EXCLUDED.records_total, error = NULL, updated_at = now()
            WHERE data_versions.state <> 'complete'
            """
        );
        AddPlan(cmd, version, from, to, instruments, intervals, configurationJson);
        cmd.Parameters.Add(new() { Value = recordsTotal, NpgsqlDbType = NpgsqlDbType.Bigint });
        if (await cmd.ExecuteNonQueryAsync(ct) == 0)
            throw new InvalidRequestException(
                $"version '{version}' exists and is complete; choose another name, or drop it first with: pipeline replay drop {version}"
            );
    }

    /// <summary>Input records read so far (progress only moves forward).</summary>
    public async Task ProgressAsync(DataVersion version, long recordsDone, CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand(
            "UPDATE data_versions SET records_done = greatest(records_done, $2), updated_at = now() WHERE name = $1 AND state = 'running'"
        );
        cmd.Parameters.Add(new() { Value = version.Name, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = recordsDone, NpgsqlDbType = NpgsqlDbType.Bigint });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The version's rows are all in the database: it can be served and promoted.</summary>
    public async Task CompleteAsync(DataVersion version, long recordsDone, CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand(
            """
            UPDATE data_versions SET state = 'complete', records_done = greatest(records_done, $2), error = NULL,
                completed_at = now(), updated_at = now() WHERE name = $1
            """
        );
        cmd.Parameters.Add(new() { Value = version.Name, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = recordsDone, NpgsqlDbType = NpgsqlDbType.Bigint });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The replay stopped with an error; running it again resumes it.</summary>
    public async Task FailAsync(DataVersion version, string error, CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand(
            "UPDATE data_versions SET state = 'failed', error = $2, updated_at = now() WHERE name = $1 AND state <> 'complete'"
        );
        cmd.Parameters.Add(new() { Value = version.Name, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = error, NpgsqlDbType = NpgsqlDbType.Text });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Makes <paramref name="version"/> the one the API serves by default: one UPDATE of the one-row table, so a
    /// reader sees the old or the new version, never a mix. Only a complete version (or live) can be promoted.</summary>
    public async Task PromoteAsync(DataVersion version, CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand(
            """
            UPDATE current_data_version SET version = v.name, promoted_at = now()
            FROM data_versions v WHERE v.name = $1 AND (v.state = 'complete' OR v.name = 'live')
            """
        );
        cmd.Parameters.Add(new() { Value = version.Name, NpgsqlDbType = NpgsqlDbType.Text });
        if (await cmd.ExecuteNonQueryAsync(ct) == 1)
            return;
        var row = await FindAsync(version.Name, ct);
        throw row is null
            ? new InvalidRequestException($"version '{version}' does not exist; 'pipeline replay list' shows the versions")
            : new InvalidRequestException(
                $"version '{version}' is {row.State}, not complete; only a complete version can be promoted"
                    + (row.State == DataVersionRow.Failed ? $" (it failed: {row.Error}; run its replay again to resume it)" : "")
            );
    }

    /// <summary>Deletes a version's candle and indicator rows, its sink positions and its row, in one transaction.
    /// Returns the rows deleted (candles, indicators). Refuses live and the current version.</summary>
    public async Task<(long Candles, long Indicators)> DeleteAsync(DataVersion version, string sinkConsumer, CancellationToken ct = default)
    {
        if (version.IsLive)
            throw new InvalidRequestException("the live version cannot be dropped");
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        // Locks the current row: a promote of this version waits for us and then finds it gone.
        await using (var current = new NpgsqlCommand("SELECT version FROM current_data_version FOR UPDATE", conn, tx))
            if ((string)(await current.ExecuteScalarAsync(ct))! == version.Name)
                throw new InvalidRequestException(
                    $"version '{version}' is the current version the API serves; promote another one first (e.g. pipeline replay "
                        + "promote live)"
                );
        long candles,
            indicators;
        await using (var cmd = new NpgsqlCommand("DELETE FROM candles WHERE version = $1", conn, tx))
        {
            cmd.Parameters.Add(new() { Value = version.Name, NpgsqlDbType = NpgsqlDbType.Text });
            candles = await cmd.ExecuteNonQueryAsync(ct);
        }
        await using (var cmd = new NpgsqlCommand("DELETE FROM indicators WHERE version = $1", conn, tx))
        {
            cmd.Parameters.Add(new() { Value = version.Name, NpgsqlDbType = NpgsqlDbType.Text });
            indicators = await cmd.ExecuteNonQueryAsync(ct);
        }
        await using (var cmd = new NpgsqlCommand("DELETE FROM sink_positions WHERE consumer = $1", conn, tx))
        {
            cmd.Parameters.Add(new() { Value = sinkConsumer, NpgsqlDbType = NpgsqlDbType.Text });
            await cmd.ExecuteNonQueryAsync(ct);
        }
        await using (var cmd = new NpgsqlCommand("DELETE FROM data_versions WHERE name = $1", conn, tx))
        {
            cmd.Parameters.Add(new() { Value = version.Name, NpgsqlDbType = NpgsqlDbType.Text });
            await cmd.ExecuteNonQueryAsync(ct);
        }
        await tx.CommitAsync(ct);
        return (candles, indicators);
    }

    private static void AddPlan(
        NpgsqlCommand cmd,
        DataVersion version,
        DateTime? from,
        DateTime? to,
        IReadOnlyList<string> instruments,
        IReadOnlyList<string> intervals,
        string configurationJson
    )
    {
        cmd.Parameters.Add(new() { Value = version.Name, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = (object?)from ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        cmd.Parameters.Add(new() { Value = (object?)to ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        cmd.Parameters.Add(new() { Value = instruments.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = intervals.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = configurationJson, NpgsqlDbType = NpgsqlDbType.Text });
    }

    private static async Task<IReadOnlyList<DataVersionRow>> ReadAsync(NpgsqlCommand cmd, CancellationToken ct)
    {
        var rows = new List<DataVersionRow>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            rows.Add(
                new DataVersionRow(
                    r.GetString(0),
                    r.GetString(1),
                    r.IsDBNull(2) ? null : r.GetDateTime(2),
                    r.IsDBNull(3) ? null : r.GetDateTime(3),
                    r.GetFieldValue<string[]>(4),
                    r.GetFieldValue<string[]>(5),
                    r.GetString(6),
                    r.IsDBNull(7) ? null : r.GetInt64(7),
                    r.GetInt64(8),
                    r.GetDateTime(9),
                    r.GetDateTime(10),
                    r.IsDBNull(11) ? null : r.GetDateTime(11),
                    r.IsDBNull(12) ? null : r.GetString(12),
                    r.GetBoolean(13)
                )
            );
        }
        return rows;
    }
}
