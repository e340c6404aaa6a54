// Applies the versioned SQL files in schemas/sql once each, in order, recorded in schema_migrations.
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Pipeline.Plumbing.Database;

public static class MigrationRunner
{
    private const long AdvisoryLockKey = 0x5049504C494E45; // serialises concurrent starters

    public static IReadOnlyList<(string Version, string Sql)> Migrations()
    {
        var asm = typeof(MigrationRunner).Assembly;
        return asm.GetManifestResourceNames()
            .Where(n => n.StartsWith("migrations/", StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(n =>
            {
                using var s = asm.GetManifestResourceStream(n)!;
                using var r = new StreamReader(s, Encoding.UTF8);
                return (Path.GetFileNameWithoutExtension(n["migrations/".Length..]), r.ReadToEnd());
            })
            .ToList();
    }

    /// <summary>Returns the versions applied by this call (none when the database is up to date).</summary>
    public static async Task<IReadOnlyList<string>> ApplyAsync(NpgsqlDataSource db, ILogger logger, CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using (var cmd = new NpgsqlCommand("SELECT pg_advisory_lock(@k)", conn))
        {
            cmd.Parameters.AddWithValue("k", AdvisoryLockKey);
            await cmd.ExecuteNonQueryAsync(ct);
        }
        try
        {
            await using (
                var cmd = new NpgsqlCommand(
                    "CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY KEY, checksum text NOT NULL, "
                        + "applied_at timestamptz NOT NULL DEFAULT now())",
                    conn
                )
            )
                await cmd.ExecuteNonQueryAsync(ct);
            var applied = new Dictionary<string, string>();
            await using (var cmd = new NpgsqlCommand("SELECT version, checksum FROM schema_migrations", conn))
            await using (var reader = await cmd.ExecuteReaderAsync(ct))
                while (await reader.ReadAsync(ct))
                    applied[reader.GetString(0)] = reader.GetString(1);

            var done = new List<string>();
            foreach (var (version, sql) in Migrations())
            {
                var checksum = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(sql)))[..16];
                if (applied.TryGetValue(version, out var old))
                {
                    if (old != checksum)
                        logger.LogWarning(
                            "Migration {Version} changed after it was applied (checksum {Old} → {New}); it is not re-run",
                            version,
                            old,
                            checksum
                        );
                    continue;
                }
                await using var tx = await conn.BeginTransactionAsync(ct);
                await using (var cmd = new NpgsqlCommand(sql, conn, tx))
                    await cmd.ExecuteNonQueryAsync(ct);
                await using (var cmd = new NpgsqlCommand("INSERT INTO schema_migrations (version, checksum) VALUES (@v, @c)", conn, tx))
                {
                    cmd.Parameters.AddWithValue("v", version);
                    cmd.Parameters.AddWithValue("c", checksum);
                    await cmd.ExecuteNonQueryAsync(ct);
                }
                await tx.CommitAsync(ct);
                logger.LogInformation("Applied migration {Version}", version);
                done.Add(version);
            }
            return done;
        }
        finally
        {
            await using var cmd = new NpgsqlCommand("SELECT pg_advisory_unlock(@k)", conn);
            cmd.Parameters.AddWithValue("k", AdvisoryLockKey);
            await cmd.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }
}
