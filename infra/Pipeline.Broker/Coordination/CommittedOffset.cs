namespace Pipeline.Broker;

/// <summary>A committed consumer offset with its leader epoch and metadata string.</summary>
internal readonly record struct CommittedOffset(long Offset, int LeaderEpoch, string? Metadata);
