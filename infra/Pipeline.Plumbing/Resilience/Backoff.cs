// Exponential backoff with equal jitter (half fixed, half random), for every retry loop of the pipeline: many
// processes retrying after one outage spread out instead of hammering the recovered service in step.
namespace Pipeline.Plumbing.Resilience;

public static class Backoff
{
    /// <summary>The wait before retry number <paramref name="attempt"/> (1 for the first retry): the initial delay doubled
    /// per attempt, capped at <paramref name="max"/>, then between half and all of it.</summary>
    public static TimeSpan Delay(int attempt, TimeSpan initial, TimeSpan max)
    {
        var ceiling = Math.Min(max.TotalMilliseconds, initial.TotalMilliseconds * Math.Pow(2, Math.Clamp(attempt - 1, 0, 30)));
        return TimeSpan.FromMilliseconds(ceiling / 2 + Random.Shared.NextDouble() * ceiling / 2);
    }
}
