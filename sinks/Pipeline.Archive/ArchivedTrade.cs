using Pipeline.Schemas.V1;

namespace Pipeline.Archive;

/// <summary>A trade read back from the archive, with the trades.valid position it was archived from (its identity).</summary>
public readonly record struct ArchivedTrade(Trade Trade, int Partition, long Offset);
