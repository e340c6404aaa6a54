// Kafka transactions of the exactly-once roles: commits, aborts and how long a commit takes.
using System.Diagnostics.Metrics;

namespace Pipeline.Plumbing.Metrics;

public static class TransactionMetrics
{
    private static readonly Meter Meter = new("Pipeline.Transactions");
    private static readonly Counter<long> Commits = Meter.CreateCounter<long>(
        "pipeline.transactions.committed",
        "{transaction}",
        "Transactions committed, by role"
    );
    private static readonly Counter<long> Aborts = Meter.CreateCounter<long>(
        "pipeline.transactions.aborted",
        "{transaction}",
        "Transactions aborted (the work is redone from the last commit), by role"
    );
    private static readonly Histogram<double> CommitDuration = Meter.CreateHistogram(
        "pipeline.transaction.commit.duration",
        "s",
        "Time to send offsets to and commit a transaction, by role",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = PipelineMeters.LatencyBuckets }
    );

    public static void Committed(string role, TimeSpan took)
    {
        var tag = new KeyValuePair<string, object?>("role", role);
        Commits.Add(1, tag);
        CommitDuration.Record(took.TotalSeconds, tag);
    }

    public static void Aborted(string role) => Aborts.Add(1, new KeyValuePair<string, object?>("role", role));
}
