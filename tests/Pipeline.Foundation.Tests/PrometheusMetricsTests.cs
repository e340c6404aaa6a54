using System.Diagnostics.Metrics;
using Pipeline.Plumbing.Metrics;

namespace Pipeline.Foundation.Tests;

public class PrometheusMetricsTests
{
    [Fact]
    public void Counters_are_summed_per_tag_set_and_gauges_read_at_scrape_time()
    {
        var prefix = $"PipelineTest{Guid.NewGuid():N}";
        using var metrics = new PrometheusMetrics(prefix);
        using var meter = new Meter(prefix + ".Validation");
        var deadLetters = meter.CreateCounter<long>("pipeline.processor.deadletters", description: "Records sent to the dead-letter topic");
        var depth = 0;
        meter.CreateObservableGauge("queue_depth", () => depth);
        using var other = new Meter("SomeoneElse");
        other.CreateCounter<long>("not_ours").Add(5);

        deadLetters.Add(1, new KeyValuePair<string, object?>("reason", "price_not_positive"));
        deadLetters.Add(2, new KeyValuePair<string, object?>("reason", "price_not_positive"));
        deadLetters.Add(1, new KeyValuePair<string, object?>("reason", "say \"hi\""));
        depth = 7;
        var text = metrics.Scrape();

        Assert.Contains("# TYPE pipeline_processor_deadletters_total counter\n", text);
        Assert.Contains("pipeline_processor_deadletters_total{reason=\"price_not_positive\"} 3\n", text);
        Assert.Contains("pipeline_processor_deadletters_total{reason=\"say \\\"hi\\\"\"} 1\n", text);
        Assert.Contains("# TYPE queue_depth gauge\nqueue_depth 7\n", text);
        Assert.DoesNotContain("not_ours", text);
    }
}
