// Kafka or the database could not be reached: an expected failure (one line at the CLI), and the one start-up
// waits out unless the operator asked to fail fast.
namespace Pipeline.Plumbing.Errors;

public sealed class DependencyUnreachableException(string dependency, string message, Exception? inner = null)
    : PipelineException(message, inner)
{
    /// <summary>"Kafka" or "database".</summary>
    public string Dependency { get; } = dependency;
}
