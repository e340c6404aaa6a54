using Pipeline.Plumbing.Errors;

namespace Pipeline.Sinks;

/// <summary>A stored position cannot be trusted (for example it is beyond the partition's end because the topic
/// was recreated): the sink stops instead of guessing where to continue. An expected failure the operator fixes (the
/// message names the sink_positions row to delete), so the CLI prints it as one line.</summary>
public sealed class SinkPositionException(string message) : PipelineException(message);
