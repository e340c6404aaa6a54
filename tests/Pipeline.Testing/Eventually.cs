// Waits on a condition, never on the clock: polls until it holds or a deadline passes.
namespace Pipeline.Testing;

public static class Eventually
{
    /// <param name="pollEvery">A fixed poll interval; by default polls back off from 20 ms to 500 ms. Tests that act at a
    /// point of progress (a kill, a cut) poll often, so the action lands where they meant it.</param>
    public static async Task<T> GetAsync<T>(
        Func<Task<T>> probe,
        Func<T, bool> done,
        TimeSpan? timeout = null,
        string? what = null,
        TimeSpan? pollEvery = null
    )
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        var delay = pollEvery ?? TimeSpan.FromMilliseconds(20);
        while (true)
        {
            var value = await probe();
            if (done(value))
                return value;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"timed out waiting for {what ?? "a condition"}; last value: {value}");
            await Task.Delay(delay);
            if (pollEvery is null)
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 500));
        }
    }

    public static Task TrueAsync(Func<Task<bool>> condition, TimeSpan? timeout = null, string? what = null, TimeSpan? pollEvery = null) =>
        GetAsync(condition, b => b, timeout, what, pollEvery);

    public static Task TrueAsync(Func<bool> condition, TimeSpan? timeout = null, string? what = null, TimeSpan? pollEvery = null) =>
        GetAsync(() => Task.FromResult(condition()), b => b, timeout, what, pollEvery);
}
