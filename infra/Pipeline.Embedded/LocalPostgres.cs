// A PostgreSQL cluster of our own (the newest of 17, 16, 15 installed) under a data folder: initdb once, pg_ctl start on
// 127.0.0.1, stop on dispose.
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Pipeline.Plumbing.Errors;

namespace Pipeline.Embedded;

public sealed class LocalPostgres : IAsyncDisposable
{
    public const string DatabaseName = "pipeline";
    private readonly string _dir;
    private readonly ILogger _logger;
    private bool _stopped;

    private LocalPostgres(string dir, int port, ILogger logger)
    {
        _dir = dir;
        Port = port;
        _logger = logger;
    }

    public int Port { get; }

    public string ConnectionString =>
        new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = Port,
            Username = "postgres",
            Database = DatabaseName,
            Pooling = true,
            MaxPoolSize = 50,
        }.ConnectionString;

    public static string? FindBinaries()
    {
        foreach (var v in new[] { "17", "16", "15" })
        {
            var dir = $"/usr/lib/postgresql/{v}/bin";
            if (File.Exists(Path.Combine(dir, "initdb")))
                return dir;
        }
        return null;
    }

    /// <summary>Starts (creating it first if needed) the cluster in <paramref name="dataDir"/>; port 0 picks a free one.</summary>
    public static async Task<LocalPostgres> StartAsync(string dataDir, int port = 0, ILogger? logger = null, CancellationToken ct = default)
    {
        logger ??= NullLogger.Instance;
        var bin =
            FindBinaries()
            ?? throw new DependencyUnavailableException(
                "PostgreSQL server binaries were not found under /usr/lib/postgresql/*/bin; "
                    + "run 'make setup' (apt-get install postgresql) or configure Database:Url"
            );
        var dir = Path.GetFullPath(dataDir);
        Directory.CreateDirectory(dir);
        var asRoot = Environment.UserName == "root";
        if (asRoot)
            MakeTraversable(dir, logger);

        if (!File.Exists(Path.Combine(dir, "PG_VERSION")))
        {
            if (asRoot)
                await RunAsync("chown", ["-R", "postgres:postgres", dir], ct);
            await RunPgAsync(
                asRoot,
                Path.Combine(bin, "initdb"),
                ["-D", dir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"],
                ct
            );
            logger.LogInformation("Created PostgreSQL cluster in {Dir}", dir);
        }
        var pgctl = Path.Combine(bin, "pg_ctl");
        if (File.Exists(Path.Combine(dir, "postmaster.pid")))
        {
            // A previous run died without stopping its server: stop it (or clear a stale pid file) first.
            logger.LogWarning("Stopping a PostgreSQL server left running in {Dir}", dir);
            await RunPgAsync(asRoot, pgctl, ["-D", dir, "-m", "fast", "-w", "stop"], ct, allowFailure: true);
        }
        if (port == 0)
            port = FreePort.Next();
        await RunPgAsync(
            asRoot,
            pgctl,
            [
                "-D",
                dir,
                "-l",
                Path.Combine(dir, "server.log"),
                "-w",
                "-t",
                "60",
                "-o",
                $"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='{dir}' -c max_connections=200 -c fsync=on",
                "start",
            ],
            ct
        );
        var pg = new LocalPostgres(dir, port, logger);
        await pg.EnsureDatabaseAsync(ct);
        logger.LogInformation("PostgreSQL listening on 127.0.0.1:{Port}", port);
        return pg;
    }

    private async Task EnsureDatabaseAsync(CancellationToken ct)
    {
        var admin = new NpgsqlConnectionStringBuilder(ConnectionString) { Database = "postgres", Pooling = false }.ConnectionString;
        await using var conn = new NpgsqlConnection(admin);
        await conn.OpenAsync(ct);
        await using var check = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @n", conn);
        check.Parameters.AddWithValue("n", DatabaseName);
        if (await check.ExecuteScalarAsync(ct) is null)
        {
            await using var create = new NpgsqlCommand($"CREATE DATABASE {DatabaseName}", conn);
            await create.ExecuteNonQueryAsync(ct);
        }
    }

    public async Task StopAsync()
    {
        if (_stopped)
            return;
        _stopped = true;
        NpgsqlConnection.ClearAllPools();
        var bin = FindBinaries()!;
        await RunPgAsync(
            Environment.UserName == "root",
            Path.Combine(bin, "pg_ctl"),
            ["-D", _dir, "-m", "fast", "-w", "stop"],
            CancellationToken.None,
            allowFailure: true
        );
        _logger.LogInformation("PostgreSQL stopped");
    }

    public ValueTask DisposeAsync() => new(StopAsync());

    // postgres refuses to run as root: as root, run its tools as the postgres user, which must be able to reach the folder.
    private static void MakeTraversable(string dir, ILogger logger)
    {
        for (var d = Directory.GetParent(dir); d is not null; d = d.Parent)
        {
            var mode = File.GetUnixFileMode(d.FullName);
            if (!mode.HasFlag(UnixFileMode.OtherExecute))
            {
                File.SetUnixFileMode(d.FullName, mode | UnixFileMode.OtherExecute);
                logger.LogInformation("Allowed the postgres user to traverse {Dir} (o+x) so it can reach its data folder", d.FullName);
            }
        }
    }

    private static Task RunPgAsync(bool asRoot, string tool, IReadOnlyList<string> args, CancellationToken ct, bool allowFailure = false) =>
        asRoot ? RunAsync("runuser", ["-u", "postgres", "--", tool, .. args], ct, allowFailure) : RunAsync(tool, args, ct, allowFailure);

    private static async Task RunAsync(string file, IReadOnlyList<string> args, CancellationToken ct, bool allowFailure = false)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new DependencyUnavailableException($"could not start {file}");
        var stdout = p.StandardOutput.ReadToEndAsync(ct);
        var stderr = p.StandardError.ReadToEndAsync(ct);
        await p.WaitForExitAsync(ct);
        if (p.ExitCode != 0 && !allowFailure)
        {
            var program = Path.GetFileName(args.Count > 3 && file == "runuser" ? args[3] : file);
            var output = $"{(await stderr).Trim()} {(await stdout).Trim()}";
            throw new DependencyUnavailableException($"{program} failed (exit {p.ExitCode}): {output}".Trim());
        }
    }
}
