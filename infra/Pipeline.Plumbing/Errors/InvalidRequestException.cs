namespace Pipeline.Plumbing.Errors;

/// <summary>
/// A request (CLI arguments, a replay or version command, a backfill job) cannot be done as asked: a range that is
/// empty, an unknown instrument or interval, a version that exists. The message names the argument and the fix.
/// </summary>
public sealed class InvalidRequestException(string message, Exception? inner = null) : PipelineException(message, inner);
