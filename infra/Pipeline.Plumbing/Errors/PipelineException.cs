namespace Pipeline.Plumbing.Errors;

/// <summary>
/// An expected failure that the user can fix: bad configuration, a request that cannot be done as asked, an input file
/// in the wrong format, or a server the command needs being unreachable. Its message is the one line the CLI prints
/// (what is wrong and how to fix it). Anything else that escapes a command is a bug and is printed with its stack trace.
/// </summary>
public abstract class PipelineException(string message, Exception? inner = null) : Exception(message, inner);
