// Everything the processor keeps for one instrument, and the input partition it belongs to (its changelog partition).
using Pipeline.Processors.Candles;
using Pipeline.Processors.Indicators;
using Pipeline.Processors.Validation;
using Pipeline.Schemas;
using Pipeline.Schemas.V1;

namespace Pipeline.Processors.State;

public sealed class InstrumentState(InstrumentRef instrument, int partition, ValidatorState validator, CandleAggregator aggregator)
{
    public InstrumentRef Instrument { get; } = instrument;
    public string Key { get; } = instrument.Key;
    public byte[] KeyBytes { get; } = System.Text.Encoding.UTF8.GetBytes(instrument.Key);
    public int Partition { get; set; } = partition;
    public ValidatorState Validator { get; set; } = validator;
    public CandleAggregator Aggregator { get; } = aggregator;

    /// <summary>How far the venue's event times run behind our clock (receive − event time, ≥ 0) while the instrument's
    /// latest accepted trade came in real time; <see cref="NotRealTime"/> otherwise (history, a replayed capture, a backlog,
    /// or nothing since a restart). In memory only: after a restart the next live trade sets it again.</summary>
    public long RealTimeDelayUs { get; set; } = NotRealTime;

    public const long NotRealTime = long.MinValue;

    /// <summary>Indicator series per interval index (created on the first closed candle).</summary>
    public IndicatorSeries?[] Series { get; } = new IndicatorSeries?[CandleInterval.All.Count];
}
