namespace Pipeline.Broker.Tests;

/// <summary>Polls a condition until it holds or a deadline passes: synchronisation without fixed sleeps.</summary>
public static class Eventually
{
    public static async Task TrueAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"timed out after {timeout.TotalSeconds:F0} s waiting for {what}");
            await Task.Delay(20);
        }
    }
}
