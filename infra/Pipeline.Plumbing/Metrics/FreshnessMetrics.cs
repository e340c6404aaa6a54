// Data freshness per instrument: now minus the newest event time stored, read at scrape time.
using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Pipeline.Plumbing.Metrics;

public static class FreshnessMetrics
{
    private static readonly Meter Meter = new("Pipeline.Freshness");
    private static readonly ConcurrentDictionary<string, long> NewestStoredUs = new();

    static FreshnessMetrics()
    {
        Meter.CreateObservableGauge(
            "pipeline.data.freshness",
            Observe,
            "s",
            "Seconds since the newest trade stored for the instrument happened (event time)"
        );
    }

    /// <summary>Notes that a trade of <paramref name="instrument"/> with this event time is now stored.</summary>
    public static void Stored(string instrument, long eventTimeUs) =>
        NewestStoredUs.AddOrUpdate(instrument, eventTimeUs, (_, old) => Math.Max(old, eventTimeUs));

    private static IEnumerable<Measurement<double>> Observe()
    {
        var nowUs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;
        foreach (var (instrument, us) in NewestStoredUs)
            yield return new Measurement<double>((nowUs - us) / 1e6, new KeyValuePair<string, object?>("instrument", instrument));
    }
}
