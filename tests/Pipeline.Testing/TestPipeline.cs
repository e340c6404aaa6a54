// A pipeline inside one test: its own embedded Kafka and PostgreSQL database, the configuration the roles read (simulator
// off, the API on a free port), and roles running in this process until the test ends.
using Microsoft.Extensions.Logging;
using Npgsql;
using Pipeline.Embedded;
using Pipeline.Plumbing;
using Pipeline.Plumbing.Configuration;
using Pipeline.Plumbing.Database;

namespace Pipeline.Testing;

public sealed class TestPipeline : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _roles = [];
    private readonly ILoggerFactory? _ownLoggers;

    private TestPipeline(TestKafka kafka, string database, PipelineOptions options, ILoggerFactory loggers, bool ownsLoggers)
    {
        Kafka = kafka;
        Database = database;
        Options = options;
        Context = new PipelineContext(options, kafka.Settings, database, loggers);
        _ownLoggers = ownsLoggers ? loggers : null;
    }

    public TestKafka Kafka { get; }

    /// <summary>The connection string of the test's database (migrated, instruments of the configuration registered).</summary>
    public string Database { get; }

    public PipelineOptions Options { get; }
    public PipelineContext Context { get; }

    /// <summary>The roles started with <see cref="Run"/>, in order.</summary>
    public IReadOnlyList<Task> Roles => _roles;

    /// <param name="environment">PIPELINE__* settings on top of the test defaults (simulator off, API on a free port).</param>
    /// <param name="loggers">Where the roles log; by default warnings and errors to the console, one line each.</param>
    public static async Task<TestPipeline> StartAsync(
        int partitions = 2,
        IDictionary<string, string?>? environment = null,
        ILoggerFactory? loggers = null
    )
    {
        var settings = new Dictionary<string, string?>
        {
            ["PIPELINE__API__URLS"] = $"http://127.0.0.1:{FreePort.Next()}",
            ["PIPELINE__SIMULATOR__ENABLED"] = "false",
        };
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
            settings[key] = value;
        var options = PipelineConfiguration.Load(file: null, environment: settings);
        var kafka = await TestKafka.StartAsync(partitions);
        var database = await TestPostgres.CreateDatabaseAsync();
        await using (var ds = NpgsqlDataSource.Create(database))
            await InstrumentRegistry.SyncAsync(ds, options.Instruments);
        var ownsLoggers = loggers is null;
        loggers ??= LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning));
        return new TestPipeline(kafka, database, options, loggers, ownsLoggers);
    }

    /// <summary>Starts a role (ProcessorRole.RunAsync, SinkRole.RunAsync, ...) in this process, on the thread pool; it runs
    /// until the pipeline is disposed.</summary>
    public void Run(Func<PipelineContext, CancellationToken, Task> role) => _roles.Add(Task.Run(() => role(Context, _stop.Token)));

    /// <summary>Throws the failure of a role that stopped with one: call it while waiting, so a crash fails the test at once
    /// instead of at the wait's timeout.</summary>
    public void ThrowIfARoleFailed()
    {
        if (_roles.FirstOrDefault(r => r.IsFaulted) is { } failed)
            throw failed.Exception!;
    }

    /// <summary>Stops the roles and waits for them (their failures were the test's to see while they ran).</summary>
    public async Task StopRolesAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_roles.Select(r => r.ContinueWith(_ => { })));
    }

    /// <summary>Stops the roles, then the Kafka.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopRolesAsync();
        _stop.Dispose();
        _ownLoggers?.Dispose();
        await Kafka.DisposeAsync();
    }
}
