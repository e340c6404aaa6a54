// Backfill progress per instrument and interval (fraction of the requested time range done), and rows published.
using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Pipeline.Producers.Backfill;

internal static class BackfillMetrics
{
    private static readonly Meter Meter = new("Pipeline.Producers.Backfill");
    private static readonly ConcurrentDictionary<(string Instrument, string Interval), double> Done = new();
    private static readonly Counter<long> Rows = Meter.CreateCounter<long>(
        "pipeline.backfill.rows",
        "{row}",
        "Candles published by REST backfill, by instrument"
    );

    static BackfillMetrics()
    {
        Meter.CreateObservableGauge(
            "pipeline.backfill.progress",
            () => Done.Select(d => new Measurement<double>(d.Value, new("instrument", d.Key.Instrument), new("interval", d.Key.Interval))),
            "1",
            "Fraction of the backfill's time range done"
        );
    }

    /// <summary>A backfill job's part moved: its fraction done and the rows it has just published.</summary>
    public static void Record(string instrument, string interval, double fraction, long rows)
    {
        Done[(instrument, interval)] = fraction;
        if (rows > 0)
            Rows.Add(rows, new KeyValuePair<string, object?>("instrument", instrument));
    }

    /// <summary>Wraps <paramref name="inner"/> so each report also moves the metrics.</summary>
    public static IProgress<BackfillProgress> Observing(BackfillRequest request, IProgress<BackfillProgress>? inner) =>
        new Reporter(request.Listing.Instrument.Key, request.Interval, inner);

    private sealed class Reporter(string instrument, string interval, IProgress<BackfillProgress>? inner) : IProgress<BackfillProgress>
    {
        private long _rows;

        public void Report(BackfillProgress value)
        {
            Done[(instrument, interval)] = value.Fraction;
            Rows.Add(value.Rows - _rows, new KeyValuePair<string, object?>("instrument", instrument));
            _rows = value.Rows;
            inner?.Report(value);
        }
    }
}
