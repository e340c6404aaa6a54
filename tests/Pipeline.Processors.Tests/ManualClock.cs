// The processing clock of a test: only the test moves it (no sleeps). Safe to read from the host's thread.
namespace Pipeline.Processors.Tests;

internal sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private long _ticks = start.UtcTicks;

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);

    public long NowUs => GetUtcNow().ToUnixTimeMilliseconds() * 1000;
}
