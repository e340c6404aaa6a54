// The embedded broker's own metrics: requests and their latency per API key, bytes in and out, log size per topic.
using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Pipeline.Broker;

internal static class BrokerMetrics
{
    private static readonly Meter Meter = new("Pipeline.Broker");
    private static readonly ConcurrentDictionary<LogManager, byte> Logs = new();
    private static readonly string[] ApiNames = Enumerable
        .Range(0, 128)
        .Select(k =>
            Enum.IsDefined(typeof(ApiKey), (short)k)
                ? ((ApiKey)(short)k).ToString()
                : k.ToString(System.Globalization.CultureInfo.InvariantCulture)
        )
        .ToArray();
    private static readonly Counter<long> Requests = Meter.CreateCounter<long>(
        "pipeline.broker.requests",
        "{request}",
        "Requests answered (or, for acks=0 produce, handled), by API key"
    );
    private static readonly Histogram<double> RequestDuration = Meter.CreateHistogram(
        "pipeline.broker.request.duration",
        "s",
        "Time from a request read to its response written, by API key (a fetch includes its long-poll wait)",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30] }
    );
    private static readonly Counter<long> BytesIn = Meter.CreateCounter<long>("pipeline.broker.network.in", "By", "Request bytes received");
    private static readonly Counter<long> BytesOut = Meter.CreateCounter<long>("pipeline.broker.network.out", "By", "Response bytes sent");

    static BrokerMetrics()
    {
        Meter.CreateObservableGauge("pipeline.broker.log.size", ObserveLogSize, "By", "Bytes on disk of each topic's log segments");
    }

    public static IDisposable Track(LogManager logs)
    {
        Logs[logs] = 0;
        return new Untrack(logs);
    }

    public static void Request(short apiKey, int requestBytes, int responseBytes, TimeSpan took)
    {
        var tag = new KeyValuePair<string, object?>("api_key", (uint)apiKey < ApiNames.Length ? ApiNames[apiKey] : "unknown");
        Requests.Add(1, tag);
        RequestDuration.Record(took.TotalSeconds, tag);
        BytesIn.Add(requestBytes);
        BytesOut.Add(responseBytes);
    }

    private static IEnumerable<Measurement<long>> ObserveLogSize() =>
        Logs
            .Keys.SelectMany(l => l.Topics)
            .GroupBy(t => t.Name)
            .Select(g => new Measurement<long>(
                g.Sum(t => t.Partitions.Sum(p => p.SizeBytes)),
                new KeyValuePair<string, object?>("topic", g.Key)
            ));

    private sealed class Untrack(LogManager logs) : IDisposable
    {
        public void Dispose() => Logs.TryRemove(logs, out _);
    }
}
