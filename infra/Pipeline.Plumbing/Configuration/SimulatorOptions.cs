namespace Pipeline.Plumbing.Configuration;

public sealed class SimulatorOptions
{
    public bool Enabled { get; set; } = true;
    public int Seed { get; set; } = 42;

    /// <summary>Average trades per second per simulated instrument.</summary>
    public double TradesPerSecond { get; set; } = 20;
}
