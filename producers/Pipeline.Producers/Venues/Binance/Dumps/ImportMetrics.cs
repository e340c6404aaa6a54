// Import progress (pipeline import): fraction of each file's bytes read, and rows published per instrument.
using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Pipeline.Producers.Venues.Binance.Dumps;

internal static class ImportMetrics
{
    private static readonly Meter Meter = new("Pipeline.Producers.Import");
    private static readonly ConcurrentDictionary<string, double> Done = new();
    private static readonly Counter<long> Rows = Meter.CreateCounter<long>(
        "pipeline.import.rows",
        "{row}",
        "Rows published by pipeline import, by instrument"
    );

    static ImportMetrics()
    {
        Meter.CreateObservableGauge(
            "pipeline.import.progress",
            () => Done.Select(d => new Measurement<double>(d.Value, new KeyValuePair<string, object?>("file", d.Key))),
            "1",
            "Fraction of an import file read and published"
        );
    }

    /// <summary>Wraps <paramref name="inner"/> so each report also moves the progress gauge.</summary>
    public static IProgress<BinanceDumpProgress> Observing(IProgress<BinanceDumpProgress>? inner) => new Reporter(inner);

    public static void Published(string instrument, long rows) =>
        Rows.Add(rows, new KeyValuePair<string, object?>("instrument", instrument));

    private sealed class Reporter(IProgress<BinanceDumpProgress>? inner) : IProgress<BinanceDumpProgress>
    {
        public void Report(BinanceDumpProgress value)
        {
            Done[Path.GetFileName(value.File)] = value.BytesTotal <= 0 ? 1 : Math.Clamp((double)value.BytesRead / value.BytesTotal, 0, 1);
            inner?.Report(value);
        }
    }
}
