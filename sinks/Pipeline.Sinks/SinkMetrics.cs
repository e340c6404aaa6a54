// What an operator watches of the sink: batch sizes, write latency, retries, whether the database answers; records
// stored per topic and freshness per instrument are recorded here too, once a batch is committed.
using System.Diagnostics.Metrics;
using Pipeline.Plumbing.Metrics;

namespace Pipeline.Sinks;

internal static class SinkMetrics
{
    public const string Role = "sink";
    private static readonly Meter Meter = new("Pipeline.Sinks");
    private static readonly Histogram<long> BatchRows = Meter.CreateHistogram<long>(
        "pipeline.sink.batch.rows",
        "{row}",
        "Records per committed batch",
        advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [1, 10, 100, 1000, 5000, 10000, 50000, 100000] }
    );
    private static readonly Histogram<double> WriteDuration = Meter.CreateHistogram(
        "pipeline.sink.write.duration",
        "s",
        "Time to write one batch (rows and positions in one database transaction)",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = PipelineMeters.LatencyBuckets }
    );
    private static readonly Counter<long> Retries = Meter.CreateCounter<long>(
        "pipeline.sink.write.retries",
        "{attempt}",
        "Batch writes that failed on a transient database error and are retried"
    );
    private static Func<bool>? _databaseUp;

    static SinkMetrics()
    {
        Meter.CreateObservableGauge(
            "pipeline.sink.database.up",
            () => _databaseUp is { } up ? (up() ? 1 : 0) : 1,
            null,
            "1 while the sink's last database operation succeeded, 0 while it is retrying through an outage"
        );
    }

    public static void WatchDatabase(Func<bool> reachable) => _databaseUp = reachable;

    public static void Written(TimeSpan took) => WriteDuration.Record(took.TotalSeconds);

    public static void Retried() => Retries.Add(1);

    /// <summary>A batch is committed: its records count as stored, per topic, and its trades move each instrument's freshness.</summary>
    public static void Committed(SinkBatch batch)
    {
        BatchRows.Record(batch.Count);
        foreach (var (tp, slice) in batch.Slices)
        {
            RecordFlowMetrics.In(
                Role,
                tp.Topic,
                slice.Trades.Count + slice.Candles.Count + slice.Indicators.Count + slice.DeadLetters.Count
            );
            if (slice.Trades.Count == 0)
                continue;
            var newest = new long[slice.InstrumentsSeen.Count];
            Array.Fill(newest, long.MinValue);
            foreach (var t in slice.Trades)
                newest[t.InstrumentIndex] = Math.Max(newest[t.InstrumentIndex], t.EventTimeUs);
            for (var i = 0; i < newest.Length; i++)
                if (newest[i] != long.MinValue)
                    FreshnessMetrics.Stored(slice.InstrumentsSeen[i].Key, newest[i]);
        }
    }
}
