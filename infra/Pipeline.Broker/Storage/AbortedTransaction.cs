namespace Pipeline.Broker;

/// <summary>An aborted transaction on one partition: from its first offset to its ABORT marker.</summary>
internal readonly record struct AbortedTransaction(long ProducerId, long FirstOffset, long LastOffset);
