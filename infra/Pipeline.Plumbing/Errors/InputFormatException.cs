namespace Pipeline.Plumbing.Errors;

/// <summary>An input file (an exchange dump, a Parquet file, a state file) is not in the format the command reads.</summary>
public sealed class InputFormatException(string message, Exception? inner = null) : PipelineException(message, inner);
