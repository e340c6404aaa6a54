namespace Pipeline.Sinks;

/// <summary>The stored position of a partition is not the one this sink started its batch from: another sink
/// instance wrote it (after a rebalance this one had not seen yet). The batch was rolled back, nothing was written.</summary>
/// <remarks>Internal control flow, not a <see cref="Pipeline.Plumbing.Errors.PipelineException"/>: the sink that throws it
/// catches it (SinkBatchWriter, TwapStatusSink), drops the batch and re-reads the stored positions; it never reaches the
/// user, and there is nothing for the user to fix.</remarks>
public sealed class SinkOwnershipLostException(string message) : Exception(message);
