// Step 3: a final or revised candle updates its (instrument, interval) indicator series; the values of that candle
// (and of every later one a revision recomputes) go to the indicators topic.
using Confluent.Kafka;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Pipeline.Plumbing.Configuration;
using Pipeline.Plumbing.Serialization;
using Pipeline.Processors.Candles;
using Pipeline.Processors.Indicators;
using Pipeline.Processors.State;
using Pipeline.Schemas;
using Pipeline.Schemas.V1;

namespace Pipeline.Processors.Steps;

internal sealed class IndicatorStep
{
    private static readonly Headers IndicatorHeaders = MessageHeaders.For<IndicatorValue>();
    private readonly ProcessingOptions _options;
    private readonly IndicatorStore _store;
    private readonly ProcessorTopology _topology;
    private readonly ILogger _log;
    private readonly List<IndicatorSeries.Row> _rows = new();
    private readonly string[] _names;
    private readonly string[][] _fields;

    public IndicatorStep(
        ProcessingOptions options,
        ProcessorTopology topology,
        IReadOnlyList<string> specs,
        IndicatorStore store,
        ILogger log
    )
    {
        _options = options;
        _topology = topology;
        _store = store;
        _log = log;
        Specs = specs;
        Indicator[] prototypes;
        try
        {
            prototypes = specs.Select(IndicatorFactory.Create).ToArray();
        }
        catch (ArgumentException e)
        {
            throw new PipelineConfigurationException([$"configuration: Processing:Indicators: {e.Message}"]);
        }
        _names = prototypes.Select(p => p.Name).ToArray();
        _fields = prototypes.Select(p => p.Fields.ToArray()).ToArray();
    }

    public IReadOnlyList<string> Specs { get; }

    /// <summary>Closed candles kept per series for recomputation: enough to cover the revision horizon.</summary>
    public static int HistoryCapacity(ProcessingOptions options, CandleInterval interval) =>
        (int)Math.Clamp((options.RevisionHorizonMs + options.AllowedLatenessMs) * 1000L / interval.DurationUs + 2, 2, 256);

    public void Apply(InstrumentState s, CandleState c, List<OutputRecord> output)
    {
        var i = c.Interval.Index;
        var series = s.Series[i] ??= new IndicatorSeries(Specs, HistoryCapacity(_options, c.Interval));
        _rows.Clear();
        if (!series.Apply(new Bar(c.OpenTimeUs, c.Open, c.High, c.Low, c.Close, c.Volume), c.Revision, _rows))
        {
            ProcessorMetrics.IndicatorsNotRecomputed.Add(1);
            _log.LogWarning(
                "Candle {Instrument} {Interval} {Open} revised beyond the indicator history; its indicator values were not recomputed",
                s.Key,
                c.Interval.Name,
                c.OpenTimeUs
            );
            return;
        }
        _store.Changed(s, c.Interval);
        foreach (var row in _rows)
            for (var k = 0; k < _names.Length; k++)
            {
                var v = new IndicatorValue
                {
                    Instrument = s.Instrument,
                    Interval = c.Interval.Name,
                    OpenTimeUs = row.Bar.OpenTimeUs,
                    Indicator = _names[k],
                    CandleRevision = row.Revision,
                };
                for (var f = 0; f < _fields[k].Length; f++)
                {
                    var field = new IndicatorField { Name = _fields[k][f] };
                    if (row.Values[k][f] is { } x && double.IsFinite(x))
                        field.Value = x;
                    v.Fields.Add(field);
                }
                output.Add(new(_topology.IndicatorsOut, null, s.KeyBytes, v.ToByteArray(), IndicatorHeaders));
            }
    }
}
