namespace Pipeline.Sinks;

/// <summary>A stored position cannot be trusted (for example it is beyond the partition's end because the topic
/// was recreated): the sink stops instead of guessing where to continue.</summary>
public sealed class SinkPositionException(string message) : Exception(message);
