namespace Pipeline.Plumbing.Errors;

/// <summary>
/// A server or component the command needs (Kafka, PostgreSQL, the schema registry, S3, librdkafka) is unreachable,
/// refused the request, or lacks what the pipeline set up (a topic). Running the command again once it is back is safe.
/// </summary>
public sealed class DependencyUnavailableException(string message, Exception? inner = null) : PipelineException(message, inner);
