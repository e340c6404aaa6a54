// Another instance with the same transactional id (Processing:GroupId-InstanceId) took over, or the broker lost the
// transaction state: this instance must stop. Expected in operation, so one clear log line, not a stack trace.
namespace Pipeline.Processors.Hosting;

public sealed class ProcessorFencedException(string message, Exception inner) : InvalidOperationException(message, inner);
