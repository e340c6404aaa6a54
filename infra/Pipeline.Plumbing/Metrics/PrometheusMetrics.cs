// The pipeline's own meters (System.Diagnostics.Metrics, names starting with "Pipeline") in Prometheus text
// format: counters and histograms are summed per tag set as they are recorded; gauges are read at scrape time.
using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace Pipeline.Plumbing.Metrics;

public sealed class PrometheusMetrics : IDisposable
{
    private static readonly Lazy<PrometheusMetrics> SharedInstance = new(() => new PrometheusMetrics("Pipeline"));

    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<(Instrument Instrument, string Labels), Series> _series = new();
    private readonly ConcurrentDictionary<(Instrument Instrument, string Labels), double> _gauges = new();
    private readonly object _scrapeGate = new();
    private bool _scraping;

    private sealed class Series
    {
        public double Sum;
        public long Count;
    }

    /// <summary>One listener per process for every meter whose name starts with "Pipeline".</summary>
    public static PrometheusMetrics Shared => SharedInstance.Value;

    public PrometheusMetrics(string meterPrefix)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name.StartsWith(meterPrefix, StringComparison.Ordinal)) listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<int>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
        _listener.Start();
    }

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var key = (instrument, Labels(tags));
        if (instrument.IsObservable)
        {
            if (_scraping) _gauges[key] = value;
            return;
        }
        var s = _series.GetOrAdd(key, _ => new Series());
        lock (s)
        {
            s.Sum += value;
            s.Count++;
        }
    }

    /// <summary>All series in the Prometheus text exposition format (version 0.0.4).</summary>
    public string Scrape()
    {
        lock (_scrapeGate)
        {
            _gauges.Clear();
            _scraping = true;
            try { _listener.RecordObservableInstruments(); }
            finally { _scraping = false; }

            var text = new StringBuilder();
            foreach (var group in _series.Select(kv => (kv.Key.Instrument, kv.Key.Labels, Value: (Series?)kv.Value, Gauge: 0d))
                         .Concat(_gauges.Select(kv => (kv.Key.Instrument, kv.Key.Labels, Value: (Series?)null, Gauge: kv.Value)))
                         .GroupBy(x => x.Instrument).OrderBy(g => g.Key.Name, StringComparer.Ordinal))
            {
                var instrument = group.Key;
                var name = MetricName(instrument.Name);
                var kind = instrument switch
                {
                    _ when instrument.IsObservable => instrument.GetType().Name.StartsWith("ObservableCounter", StringComparison.Ordinal) ? "counter" : "gauge",
                    _ when instrument.GetType().Name.StartsWith("Histogram", StringComparison.Ordinal) => "summary",
                    _ when instrument.GetType().Name.StartsWith("UpDownCounter", StringComparison.Ordinal) => "gauge",
                    _ => "counter",
                };
                if (kind == "counter" && !name.EndsWith("_total", StringComparison.Ordinal)) name += "_total";
                if (instrument.Description is { Length: > 0 } d) text.Append("# HELP ").Append(name).Append(' ').Append(d.Replace('\n', ' ')).Append('\n');
                text.Append("# TYPE ").Append(name).Append(' ').Append(kind).Append('\n');
                foreach (var (_, labels, series, gauge) in group.OrderBy(x => x.Labels, StringComparer.Ordinal))
                {
                    if (series is null) { Line(text, name, labels, gauge); continue; }
                    double sum; long count;
                    lock (series) { sum = series.Sum; count = series.Count; }
                    if (kind == "summary")
                    {
                        Line(text, name + "_sum", labels, sum);
                        Line(text, name + "_count", labels, count);
                    }
                    else Line(text, name, labels, sum);
                }
            }
            return text.ToString();
        }
    }

    private static void Line(StringBuilder text, string name, string labels, double value) =>
        text.Append(name).Append(labels).Append(' ').Append(value.ToString("R", CultureInfo.InvariantCulture)).Append('\n');

    /// <summary>Prometheus names allow [a-zA-Z0-9_:]; our meters use dots as separators.</summary>
    public static string MetricName(string name)
    {
        var b = new StringBuilder(name.Length);
        foreach (var c in name) b.Append(char.IsAsciiLetterOrDigit(c) || c is '_' or ':' ? c : '_');
        if (b.Length > 0 && char.IsAsciiDigit(b[0])) b.Insert(0, '_');
        return b.ToString();
    }

    private static string Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.Length == 0) return "";
        var pairs = new List<(string, string)>(tags.Length);
        foreach (var t in tags) pairs.Add((MetricName(t.Key), Convert.ToString(t.Value, CultureInfo.InvariantCulture) ?? ""));
        pairs.Sort((a, b) => string.CompareOrdinal(a.Item1, b.Item1));
        return "{" + string.Join(",", pairs.Select(p => $"{p.Item1}=\"{p.Item2.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n")}\"")) + "}";
    }

    public void Dispose() => _listener.Dispose();
}
