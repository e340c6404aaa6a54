namespace Pipeline.Producers.Backfill;

/// <summary>How far a backfill is: pages and rows published, and the time reached within [FromUs, ToUs).</summary>
public sealed record BackfillProgress(long Pages, long Rows, long CursorUs, long FromUs, long ToUs)
{
    public double Fraction => ToUs <= FromUs ? 1 : Math.Clamp((double)(CursorUs - FromUs) / (ToUs - FromUs), 0, 1);
}
