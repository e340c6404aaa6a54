namespace Pipeline.Producers.Backfill;

/// <summary>What a backfill run published, and where it started (later than FromUs when it resumed).</summary>
public sealed record BackfillResult(long Pages, long Rows, long StartedAtUs, bool Resumed);
