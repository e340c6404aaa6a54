// Records in and out of each role, per topic: the throughput of every stage, on one pair of series.
using System.Diagnostics.Metrics;

namespace Pipeline.Plumbing.Metrics;

public static class RecordFlowMetrics
{
    private static readonly Meter Meter = new("Pipeline.Flow");
    private static readonly Counter<long> RecordsIn = Meter.CreateCounter<long>(
        "pipeline.records.in",
        "{record}",
        "Records a role consumed (the sink: stored), by role and topic"
    );
    private static readonly Counter<long> RecordsOut = Meter.CreateCounter<long>(
        "pipeline.records.out",
        "{record}",
        "Records a role produced, by role and topic"
    );

    public static void In(string role, string topic, long count = 1) =>
        RecordsIn.Add(count, new KeyValuePair<string, object?>("role", role), new KeyValuePair<string, object?>("topic", topic));

    public static void Out(string role, string topic, long count = 1) =>
        RecordsOut.Add(count, new KeyValuePair<string, object?>("role", role), new KeyValuePair<string, object?>("topic", topic));
}
