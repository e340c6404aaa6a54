namespace Pipeline.Producers.Twap;

/// <summary>What a run did: objects ingested, skipped (unchanged) and failed (with their errors), rows published and rejected.</summary>
public sealed class TwapIngestResult
{
    public int ObjectsSelected { get; set; }
    public int ObjectsIngested { get; set; }
    public int ObjectsSkipped { get; set; }
    public List<(string Key, string Error)> Failures { get; } = new();
    public long RowsPublished { get; set; }
    public long RowsRejected { get; set; }
}
