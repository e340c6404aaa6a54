// Start-up against a dependency that is not there yet: a role started while PostgreSQL or the broker is down
// waits with backoff and says so, as it does when they go down later (issue 18); --fail-fast exits instead.
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Pipeline.Plumbing.Errors;

namespace Pipeline.Plumbing.Resilience;

public static class DependencyWait
{
    private static readonly Meter Meter = new("Pipeline.Startup");
    private static int _waiting;

    static DependencyWait()
    {
        Meter.CreateObservableGauge(
            "pipeline.startup.waiting",
            () => Volatile.Read(ref _waiting),
            description: "1 while this process waits at start-up for Kafka or the database (not ready), else 0"
        );
    }

    /// <summary>True while some start-up step waits for an unreachable dependency.</summary>
    public static bool Waiting => Volatile.Read(ref _waiting) > 0;

    /// <summary>Runs <paramref name="step"/>; while it throws <see cref="DependencyUnreachableException"/>, logs one warning
    /// per attempt and retries after a backoff (1 s doubling to 30 s), unless <paramref name="failFast"/>.</summary>
    public static async Task<T> RetryAsync<T>(Func<CancellationToken, Task<T>> step, bool failFast, ILogger log, CancellationToken ct)
    {
        var attempt = 0;
        try
        {
            while (true)
            {
                try
                {
                    var result = await step(ct);
                    if (attempt > 0)
                        log.LogInformation("Reachable again after {Attempts} attempts; starting", attempt + 1);
                    return result;
                }
                catch (DependencyUnreachableException e) when (!failFast && !ct.IsCancellationRequested)
                {
                    if (attempt++ == 0)
                        Interlocked.Increment(ref _waiting);
                    var delay = Backoff.Delay(attempt, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));
                    log.LogWarning(
                        "{Message}; not ready, waiting (attempt {Attempt}, next in {Seconds:0.0} s; --fail-fast exits instead)",
                        e.Message,
                        attempt,
                        delay.TotalSeconds
                    );
                    await Task.Delay(delay, ct);
                }
            }
        }
        finally
        {
            if (attempt > 0)
                Interlocked.Decrement(ref _waiting);
        }
    }

    public static Task RetryAsync(Func<CancellationToken, Task> step, bool failFast, ILogger log, CancellationToken ct) =>
        RetryAsync(
            async c =>
            {
                await step(c);
                return true;
            },
            failFast,
            log,
            ct
        );
}
