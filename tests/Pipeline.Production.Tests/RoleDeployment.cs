// One deployment of the pipeline as separate `pipeline` role processes (the CLI the image runs) on an embedded broker
// and a real PostgreSQL database: N processors and M sinks, each its own OS process that a test can kill -9 and restart.
using Confluent.Kafka;
using Npgsql;
using Pipeline.Plumbing.Configuration;
using Pipeline.Plumbing.Topics;
using Pipeline.Testing;

namespace Pipeline.Production.Tests;

public sealed class RoleDeployment : IAsyncDisposable
{
    public const int Partitions = 6;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);
    private readonly Dictionary<string, ChildProcess> _roles = new();
    private readonly Dictionary<string, string?> _environment;
    private readonly string _folder;
    private readonly TestKafka _kafka;

    private RoleDeployment(string name, string folder, TestKafka kafka, string database, string instrumentsFile)
    {
        Name = name;
        _folder = folder;
        _kafka = kafka;
        Database = database;
        _environment = new Dictionary<string, string?>
        {
            ["PIPELINE__KAFKA__BOOTSTRAP"] = kafka.BootstrapServers,
            ["PIPELINE__KAFKA__PARTITIONS"] = Partitions.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["PIPELINE__DATABASE__URL"] = database,
            ["PIPELINE__INSTRUMENTSFILE"] = instrumentsFile,
            ["PIPELINE__SIMULATOR__ENABLED"] = "false",
            ["PIPELINE__DATADIR"] = folder,
        };
    }

    public string Name { get; }
    public string Database { get; }

    public static async Task<RoleDeployment> StartAsync(string name, string instrumentsFile)
    {
        var folder = TestDirectories.Create(name);
        var kafka = await TestKafka.StartAsync(Partitions);
        var database = await TestPostgres.CreateDatabaseAsync();
        return new RoleDeployment(name, folder, kafka, database, instrumentsFile);
    }

    /// <summary>Starts `pipeline process` (its instance id is its role name, kept across restarts) or `pipeline sink`
    /// and waits until it runs.</summary>
    public async Task StartRoleAsync(string role)
    {
        var kind = role.Split('-')[0];
        var environment = new Dictionary<string, string?>(_environment);
        if (kind == "process")
            environment["PIPELINE__PROCESSING__INSTANCEID"] = $"{Name}-{role}";
        var child = ChildProcess.Start("pipeline.dll", [kind], environment, Path.Combine(_folder, $"{role}.log"), _folder);
        _roles[role] = child;
        var started = kind == "process" ? "Processor " : "Sink pipeline-sink consuming";
        await child.WaitForLineAsync(l => l.Contains(started, StringComparison.Ordinal), StartTimeout, $"{Name} {role} running");
    }

    public void Kill(string role) => _roles[role].Kill();

    public void AssertAllRunning()
    {
        foreach (var (role, child) in _roles)
            Assert.False(child.HasExited, $"{Name} {role} exited ({(child.HasExited ? child.ExitCode : 0)}):\n{child.Tail()}");
    }

    /// <summary>`pipeline import binance-dump FILES --wait 0`, to its end.</summary>
    public async Task ImportAsync(IReadOnlyList<string> files)
    {
        using var import = ChildProcess.Start(
            "pipeline.dll",
            ["import", "binance-dump", .. files, "--wait", "0"],
            _environment,
            Path.Combine(_folder, "import.log"),
            _folder
        );
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await import.WaitForExitAsync(timeout.Token);
        Assert.True(import.ExitCode == 0, $"import exited {import.ExitCode}:\n{import.Tail()}");
    }

    public async Task<long> CountAsync(string sql)
    {
        await using var conn = new NpgsqlConnection(Database);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Rows of a query as text lines (columns joined by '|'), in the query's order.</summary>
    public async Task<List<string>> RowsAsync(string sql)
    {
        await using var conn = new NpgsqlConnection(Database);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        await using var reader = await cmd.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
            rows.Add(
                string.Join(
                    "|",
                    Enumerable
                        .Range(0, reader.FieldCount)
                        .Select(i =>
                            reader.IsDBNull(i)
                                ? "∅"
                                : reader.GetValue(i) switch
                                {
                                    DateTime t => t.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
                                    IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
                                    var v => v.ToString(),
                                }
                        )
                )
            );
        return rows;
    }

    /// <summary>Waits until every input record is processed and every output record stored: the processors' group has
    /// committed all of trades.raw (end-of-input marks included), and the sink's stored positions equal the end of what a
    /// read_committed reader finds in its topics — twice in a row with nothing new read (a transaction's offsets can
    /// become visible a moment before its output does).</summary>
    public async Task WaitUntilSettledAsync(TimeSpan timeout)
    {
        var settings = _kafka.Settings;
        using var reader = new TopicReader(
            settings,
            TopicCatalog.ValidTrades.Name,
            TopicCatalog.Candles.Name,
            TopicCatalog.Indicators.Name
        );
        var next = new Dictionary<(string, int), long>();
        var readAtLastSettle = -1L;

        async Task<bool> Settled()
        {
            AssertAllRunning();
            if (
                !await Task.Run(() =>
                    ConsumerGroupProgress.HasConsumedAll(settings, new ProcessingOptions().GroupId, [TopicCatalog.RawTrades.Name])
                )
            )
                return false;
            foreach (var m in reader.Poll())
                next[(m.Topic, m.Partition.Value)] = m.Offset.Value + 1;
            var stored = (await RowsAsync("SELECT topic, partition, next_offset FROM sink_positions WHERE consumer = 'pipeline-sink'"))
                .Select(r => r.Split('|'))
                .ToDictionary(
                    r => (r[0], int.Parse(r[1], System.Globalization.CultureInfo.InvariantCulture)),
                    r => long.Parse(r[2], System.Globalization.CultureInfo.InvariantCulture)
                );
            if (next.Count == 0 || next.Any(n => !stored.TryGetValue(n.Key, out var s) || s != n.Value))
                return false;
            var read = next.Values.Sum();
            var unchanged = read == readAtLastSettle;
            readAtLastSettle = read;
            return unchanged;
        }

        await Eventually.TrueAsync(Settled, timeout, $"{Name}: input processed and output stored", TimeSpan.FromMilliseconds(250));
    }

    /// <summary>Members of a consumer group and how many partitions of the topics each holds.</summary>
    public async Task<List<int>> PartitionsPerMemberAsync(string group, params string[] topics)
    {
        using var admin = new AdminClientBuilder(_kafka.Settings.Admin($"{Name}-describe")).Build();
        var described = await admin.DescribeConsumerGroupsAsync([group]);
        return described
            .ConsumerGroupDescriptions[0]
            .Members.Select(m => m.Assignment.TopicPartitions.Count(tp => topics.Contains(tp.Topic)))
            .ToList();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var child in _roles.Values)
            await child.StopAsync();
        foreach (var child in _roles.Values)
            child.Dispose();
        await _kafka.DisposeAsync();
    }
}
