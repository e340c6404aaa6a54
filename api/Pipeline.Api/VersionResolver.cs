// Which version of the derived data a request reads (ADR 0006): the one named by ?version=, else the current one.
// Resolved once per request, so every query of one answer reads the same version (a promote in between never mixes two).
using Npgsql;
using NpgsqlTypes;
using Pipeline.Schemas;

namespace Pipeline.Api;

public sealed class VersionResolver(NpgsqlDataSource db)
{
    public const string Description =
        "Version of the derived data to read: live, or a replay's name (GET /versions lists them). Default: the current version.";

    public async Task<string> ResolveAsync(string? requested, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(requested))
        {
            await using var current = db.CreateCommand("SELECT version FROM current_data_version");
            return (string)(await current.ExecuteScalarAsync(ct))!;
        }
        if (!DataVersion.TryParse(requested, out var version, out var problem))
            throw ApiProblem.BadParameter("version", problem);
        await using var cmd = db.CreateCommand("SELECT 1 FROM data_versions WHERE name = $1");
        cmd.Parameters.Add(new() { Value = version.Name, NpgsqlDbType = NpgsqlDbType.Text });
        if (await cmd.ExecuteScalarAsync(ct) is null)
            throw ApiProblem.NotFound(
                $"version '{version}' does not exist; GET /versions lists the versions (omit version= for the current one)"
            );
        return version.Name;
    }
}
