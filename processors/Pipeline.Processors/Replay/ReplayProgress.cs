namespace Pipeline.Processors.Replay;

/// <summary>How far a replay is: input records read of those planned, output records written, rate and time left.</summary>
public sealed record ReplayProgress(long Records, long Total, long Outputs, TimeSpan Elapsed, double RecordsPerSecond)
{
    public double Fraction => Total == 0 ? 1 : Math.Clamp((double)Records / Total, 0, 1);

    /// <summary>Estimated time left at the rate so far; null before there is a rate.</summary>
    public TimeSpan? Remaining => RecordsPerSecond > 0 ? TimeSpan.FromSeconds(Math.Max(0, Total - Records) / RecordsPerSecond) : null;
}
