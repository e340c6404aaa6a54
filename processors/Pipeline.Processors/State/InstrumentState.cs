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

    private long _realTimeDelayUs = NotRealTime;

    /// <summary>How far the venue's event times run behind our clock (receive − event time, ≥ 0) while the instrument's
    /// latest accepted trade came in real time (from a live feed, processed promptly); <see cref="NotRealTime"/> otherwise
    /// (history, a replayed capture, a delayed feed, a backlog). Kept in the watermark record, so a restarted processor
    /// still closes a silent instrument's last candle by the wall clock.</summary>
    public long RealTimeDelayUs
    {
        get => _realTimeDelayUs;
        set
        {
            if ((value == NotRealTime) != (_realTimeDelayUs == NotRealTime))
                RealTimeChanged = true;
            _realTimeDelayUs = value;
        }
    }

    public const long NotRealTime = long.MinValue;

    /// <summary>The watermark store's mark: the instrument became real time, or stopped being it, since its last flush
    /// (the delay itself is written with every watermark change, not on every jitter of it).</summary>
    public bool RealTimeChanged { get; set; }

    /// <summary>Puts back the delay read from the changelog without marking it changed.</summary>
    public void RestoreRealTime(long delayUs)
    {
        _realTimeDelayUs = delayUs;
        RealTimeChanged = false;
    }

    /// <summary>True once this instance has processed the instrument's input up to now: its latest trade within the
    /// real-time tolerance of its receipt, or the consumer reached the end of its input partition since. False for a
    /// restored instrument until then: its restored real-time delay closes nothing by the clock while a trade written
    /// while the processor was down may still wait in the input (it would come too late for its candle).</summary>
    public bool CaughtUp { get; set; }

    /// <summary>Indicator series per interval index (created on the first closed candle).</summary>
    public IndicatorSeries?[] Series { get; } = new IndicatorSeries?[CandleInterval.All.Count];
}
