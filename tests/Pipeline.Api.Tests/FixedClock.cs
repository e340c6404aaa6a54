namespace Pipeline.Api.Tests;

/// <summary>A clock standing still at a given time, so "the current interval" is known in a test.</summary>
public sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
