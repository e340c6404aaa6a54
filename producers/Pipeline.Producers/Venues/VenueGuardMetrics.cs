// The state of every venue guard's circuit breaker as a gauge. It lives beside VenueGuard (not with the connectors'
// metrics) because backfills hold guards too, and the venues folder does not depend on the connectors folder.
using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Polly.CircuitBreaker;

namespace Pipeline.Producers.Venues;

internal static class VenueGuardMetrics
{
    private static readonly Meter Meter = new("Pipeline.Producers.Venues.Guards");
    private static readonly ConcurrentDictionary<VenueGuard, byte> Guards = new();

    static VenueGuardMetrics()
    {
        Meter.CreateObservableGauge(
            "pipeline.connector.breaker.state",
            ObserveBreakers,
            "{state}",
            "Circuit breaker of a venue's connects and REST calls: 0 closed, 1 half-open (trial call), 2 open (calls held back)"
        );
    }

    public static void Track(VenueGuard guard) => Guards[guard] = 0;

    public static void Untrack(VenueGuard guard) => Guards.TryRemove(guard, out _);

    /// <summary>The worst breaker state among a venue's guards (the live feed and a backfill may each hold one).</summary>
    private static IEnumerable<Measurement<int>> ObserveBreakers() =>
        Guards
            .Keys.GroupBy(g => g.Exchange)
            .Select(g => new Measurement<int>(
                g.Max(x =>
                    x.State switch
                    {
                        CircuitState.Open or CircuitState.Isolated => 2,
                        CircuitState.HalfOpen => 1,
                        _ => 0,
                    }
                ),
                new KeyValuePair<string, object?>("venue", g.Key)
            ));
}
