namespace Pipeline.Sinks;

/// <summary>The stored position of a partition is not the one this sink started its batch from: another sink
/// instance wrote it (after a rebalance this one had not seen yet). The batch was rolled back, nothing was written.</summary>
public sealed class SinkOwnershipLostException(string message) : Exception(message);
