// Brings up what the roles need: options, librdkafka, Kafka (embedded or configured), the database and its schema.
using Microsoft.Extensions.Logging;
using Npgsql;
using Pipeline.Embedded;
using Pipeline.Plumbing;
using Pipeline.Plumbing.Configuration;
using Pipeline.Plumbing.Database;
using Pipeline.Plumbing.Errors;
using Pipeline.Plumbing.Kafka;
using Pipeline.Plumbing.Resilience;
using Pipeline.Plumbing.Serialization;

namespace Pipeline.Cli;

public sealed class PipelineServices : IAsyncDisposable
{
    private LocalPostgres? _postgres;
    private EmbeddedKafka? _kafka;
    private Pipeline.SchemaRegistry.SchemaRegistryServer? _registry;

    private PipelineServices(PipelineContext context) => Context = context;

    public PipelineContext Context { get; private set; }

    public static ILoggerFactory CreateLoggerFactory() =>
        LoggerFactory.Create(b =>
        {
            if (Environment.GetEnvironmentVariable("PIPELINE_LOG_FORMAT") == "json")
                b.AddJsonConsole(o => o.IncludeScopes = false);
            else
                b.AddSimpleConsole(o =>
                {
                    o.SingleLine = true;
                    o.TimestampFormat = "HH:mm:ss.fff ";
                });
            b.SetMinimumLevel(LogLevel.Information);
            b.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
            b.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);
            b.AddFilter("Npgsql", LogLevel.Warning);
        });

    /// <summary>Starts what is needed: embedded Kafka unless Kafka:Bootstrap is set (when <paramref name="allowEmbedded"/>),
    /// local PostgreSQL unless Database:Url is set (when <paramref name="needsDatabase"/>), topics, migrations, instruments.</summary>
    /// <param name="failFast">Exit when Kafka or the database is unreachable, instead of waiting for them with backoff.</param>
    public static async Task<PipelineServices> StartAsync(
        PipelineOptions options,
        ILoggerFactory loggers,
        bool allowEmbedded,
        bool needsDatabase,
        CancellationToken ct,
        bool failFast = true
    )
    {
        var log = loggers.CreateLogger("pipeline");
        var version = LibrdkafkaLoader.EnsureLoaded();
        log.LogInformation("librdkafka {Version} loaded from {Path}", version, LibrdkafkaLoader.LoadedFrom);
        Directory.CreateDirectory(options.DataDir);

        var services = new PipelineServices(null!);
        try
        {
            string bootstrap;
            if (options.Kafka.UsesEmbeddedBroker)
            {
                if (!allowEmbedded)
                    throw new PipelineConfigurationException([
                        "configuration: Kafka:Bootstrap is not set; "
                            + "point this role at a broker with PIPELINE__KAFKA__BOOTSTRAP=host:port (or run 'pipeline up' for the "
                            + "embedded one)",
                    ]);
                services._kafka = await EmbeddedKafka.StartAsync(
                    Path.Combine(options.DataDir, "broker"),
                    options.Kafka.EmbeddedPort,
                    options.Kafka.Partitions,
                    loggers,
                    ct: ct
                );
                bootstrap = services._kafka.BootstrapServers;
                log.LogInformation("Embedded Kafka broker at {Bootstrap}", bootstrap);
            }
            else
                bootstrap = options.Kafka.Bootstrap!;
            var kafka = KafkaClientSettings.From(options.Kafka, bootstrap);

            string? connectionString = null;
            if (needsDatabase)
            {
                if (options.Database.UsesLocalCluster)
                {
                    if (!allowEmbedded)
                        throw new PipelineConfigurationException([
                            "configuration: Database:Url is not set; "
                                + "give this role a database with PIPELINE__DATABASE__URL=postgres://user:pass@host:5432/db (or "
                                + "run 'pipeline up')",
                        ]);
                    services._postgres = await LocalPostgres.StartAsync(
                        Path.Combine(options.DataDir, "postgres"),
                        options.Database.LocalPort,
                        log,
                        ct
                    );
                    connectionString = services._postgres.ConnectionString;
                }
                else
                    connectionString = DatabaseConnectionString.Normalize(options.Database.Url!);
                var cs = connectionString;
                await DependencyWait.RetryAsync(c => PrepareDatabaseAsync(cs, options, log, c), failFast, log, ct);
            }

            services.Context = new PipelineContext(options, kafka, connectionString, loggers);
            await DependencyWait.RetryAsync(
                c =>
                    TopicProvisioner.EnsureTopicsAsync(
                        kafka,
                        options.Kafka.Partitions,
                        options.Kafka.ReplicationFactor,
                        log,
                        ct: c,
                        minInsyncReplicas: options.Kafka.MinInsyncReplicas
                    ),
                failFast,
                log,
                ct
            );
            await services.UseSchemaRegistryAsync(options, log, ct);
            return services;
        }
        catch
        {
            await services.DisposeAsync();
            throw;
        }
    }

    /// <summary>Schema Registry framing when SchemaRegistry:Url is set; beside the embedded broker a loopback URL is served here.</summary>
    private async Task UseSchemaRegistryAsync(PipelineOptions options, ILogger log, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(options.SchemaRegistry.Url))
            return;
        if (!Uri.TryCreate(options.SchemaRegistry.Url, UriKind.Absolute, out var url) || url.Scheme != "http" && url.Scheme != "https")
            throw new PipelineConfigurationException([
                $"configuration: SchemaRegistry:Url '{options.SchemaRegistry.Url}' is not an http(s) URL; "
                    + "e.g. PIPELINE__SCHEMAREGISTRY__URL=http://127.0.0.1:8081",
            ]);
        if (_kafka is not null && url.IsLoopback)
        {
            _registry = await StartRegistryAsync(Path.Combine(options.DataDir, "registry"), url.Port, ct);
            log.LogInformation("Built-in Schema Registry at {Url}", _registry.Url);
        }
        RecordValues.Use(await SchemaRegistryValueCodec.ConnectAsync(options.SchemaRegistry.Url, TopicValueSchemas.All(), ct));
        log.LogInformation("Record values in Schema Registry framing (subjects <topic>-value at {Url})", options.SchemaRegistry.Url);
    }

    /// <summary>Starts the built-in Schema Registry; its damaged state file is the user's input in the wrong format.</summary>
    internal static async Task<Pipeline.SchemaRegistry.SchemaRegistryServer> StartRegistryAsync(
        string dataDir,
        int port,
        CancellationToken ct
    )
    {
        try
        {
            return await Pipeline.SchemaRegistry.SchemaRegistryServer.StartAsync(dataDir, port, ct: ct);
        }
        catch (InvalidDataException e)
        {
            throw new InputFormatException(e.Message, e);
        }
    }

    private static async Task PrepareDatabaseAsync(string connectionString, PipelineOptions options, ILogger log, CancellationToken ct)
    {
        await using var db = NpgsqlDataSource.Create(connectionString);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(15));
            await using var conn = await db.OpenConnectionAsync(timeout.Token);
        }
        catch (Exception e)
            when (e is NpgsqlException or OperationCanceledException or System.Net.Sockets.SocketException && !ct.IsCancellationRequested)
        {
            var b = new NpgsqlConnectionStringBuilder(connectionString);
            throw new DependencyUnreachableException(
                "database",
                $"database at {b.Host}:{b.Port} is unreachable ({e.Message}); start PostgreSQL or fix Database:Url",
                e
            );
        }
        await MigrationRunner.ApplyAsync(db, log, ct);
    }

    public async ValueTask DisposeAsync()
    {
        if (_postgres is not null)
            await _postgres.DisposeAsync();
        if (_kafka is not null)
            await _kafka.DisposeAsync();
        if (_registry is not null)
            await _registry.DisposeAsync();
        _postgres = null;
        _kafka = null;
    }
}
