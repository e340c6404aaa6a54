namespace Pipeline.Producers.Twap;

/// <summary>Where a run is: objects done of those selected, the object being ingested and rows published so far.</summary>
public sealed record TwapIngestProgress(int ObjectsTotal, int ObjectsDone, string? CurrentObject, long RowsPublished);
