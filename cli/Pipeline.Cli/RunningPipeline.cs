// Where a tool command finds the Kafka and database of the pipeline it works on: the configured ones, or those of a
// `pipeline up` running on embedded defaults from the same data folder.
using Pipeline.Plumbing.Configuration;
using Pipeline.Plumbing.Kafka;

namespace Pipeline.Cli;

public static class RunningPipeline
{
    public static KafkaClientSettings Kafka(PipelineOptions options) =>
        KafkaClientSettings.From(options.Kafka, options.Kafka.UsesEmbeddedBroker ? EmbeddedBroker(options) : null);

    /// <summary>Without a configured Kafka, points the options at the embedded broker of a `pipeline up` running on this
    /// machine, so that the services the command starts talk to it.</summary>
    public static void UseItsKafka(PipelineOptions options)
    {
        if (options.Kafka.UsesEmbeddedBroker)
            options.Kafka.Bootstrap = EmbeddedBroker(options);
    }

    private static string EmbeddedBroker(PipelineOptions options) => $"127.0.0.1:{options.Kafka.EmbeddedPort}";

    /// <summary>Database:Url, else the local cluster `pipeline up` runs under DataDir (its port is in postmaster.pid).</summary>
    public static string Database(PipelineOptions options)
    {
        if (!options.Database.UsesLocalCluster)
            return DatabaseConnectionString.Normalize(options.Database.Url!);
        var pidFile = Path.Combine(options.DataDir, "postgres", "postmaster.pid");
        // postmaster.pid: pid, data directory, start time, port, ... (one per line).
        var lines = File.Exists(pidFile) ? File.ReadAllLines(pidFile) : [];
        if (lines.Length < 4 || !int.TryParse(lines[3], out var port))
            throw new PipelineConfigurationException([
                "configuration: Database:Url is not set and no local PostgreSQL of 'pipeline up' runs under "
                    + $"{Path.GetFullPath(options.DataDir)}; "
                    + "start 'pipeline up' or set PIPELINE__DATABASE__URL=postgres://user:pass@host:5432/db",
            ]);
        return new Npgsql.NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = port,
            Username = "postgres",
            Database = Pipeline.Embedded.LocalPostgres.DatabaseName,
        }.ConnectionString;
    }
}
