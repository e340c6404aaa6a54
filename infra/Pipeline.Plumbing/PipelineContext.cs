// What every role gets when it starts: the validated options, where Kafka and the database are, and logging.
using Microsoft.Extensions.Logging;
using Pipeline.Plumbing.Configuration;
using Pipeline.Plumbing.Errors;
using Pipeline.Plumbing.Kafka;

namespace Pipeline.Plumbing;

public sealed class PipelineContext(
    PipelineOptions options,
    KafkaClientSettings kafka,
    string? databaseConnectionString,
    ILoggerFactory loggerFactory
)
{
    public PipelineOptions Options { get; } = options;
    public KafkaClientSettings Kafka { get; } = kafka;

    /// <summary>Npgsql connection string; null for roles started without a database (producers, processors).</summary>
    public string? DatabaseConnectionString { get; } = databaseConnectionString;
    public ILoggerFactory LoggerFactory { get; } = loggerFactory;

    public string RequireDatabase() =>
        DatabaseConnectionString
        ?? throw new PipelineConfigurationException([
            "configuration: no database configured: set Database:Url (PIPELINE__DATABASE__URL) or run 'pipeline up'",
        ]);
}
