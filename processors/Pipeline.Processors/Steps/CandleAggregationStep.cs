// Step 2: an accepted trade updates its candles on every interval; candles the watermark (or an end of input) closes,
// and closed candles a late trade revises, go to candles and candles.final and on to the indicators.
using Confluent.Kafka;
using Google.Protobuf;
using Pipeline.Plumbing.Serialization;
using Pipeline.Processors.Candles;
using Pipeline.Processors.State;
using Pipeline.Processors.Validation;
using Pipeline.Schemas.V1;

namespace Pipeline.Processors.Steps;

internal sealed class CandleAggregationStep(ProcessorTopology topology, IndicatorStep indicators)
{
    private static readonly Headers CandleHeaders = MessageHeaders.For<Candle>();
    private readonly List<CandleState> _finals = new();
    private readonly List<CandleState> _due = new();

    /// <summary>Trades count as real time when they come from a live feed now: origin LIVE, received within
    /// <see cref="RealTimeToleranceUs"/> of their event time and processed within it of their receipt.</summary>
    public const long RealTimeToleranceUs = 10_000_000;

    public void Apply(InstrumentState s, in WireTrade t, long nowUs, List<OutputRecord> output)
    {
        var delay = t.ReceiveTimeUs - t.EventTimeUs;
        var prompt = Math.Abs(nowUs - t.ReceiveTimeUs) <= RealTimeToleranceUs;
        s.RealTimeDelayUs =
            t.Origin == Origin.Live && Math.Abs(delay) <= RealTimeToleranceUs && prompt ? Math.Max(0, delay) : InstrumentState.NotRealTime;
        s.CaughtUp = prompt;
        _finals.Clear();
        s.Aggregator.Apply(new TradeTick(t.Price, t.Size, t.Aggressor, t.EventTimeUs, t.TradeId, t.Origin), _finals);
        if (_finals.Count > 0)
            EmitFinals(s, output);
    }

    /// <summary>End of input: every candle of the instrument ending at or before <paramref name="throughUs"/> closes.</summary>
    public void CloseThrough(InstrumentState s, long throughUs, List<OutputRecord> output)
    {
        _finals.Clear();
        s.Aggregator.EndOfInput(throughUs, _finals);
        EmitFinals(s, output);
    }

    /// <summary>Closes a real-time instrument's candles whose end plus the lateness the wall clock has passed (shifted by
    /// the feed's delay), when no trade came to close them; nothing for history, in a replay, or while its input is not
    /// caught up (a backlog, a restart).</summary>
    public void CloseByClock(InstrumentState s, long nowUs, List<OutputRecord> output)
    {
        if (!topology.WallClockClose || s.RealTimeDelayUs == InstrumentState.NotRealTime || !s.CaughtUp)
            return;
        _finals.Clear();
        s.Aggregator.AdvanceClock(nowUs - s.RealTimeDelayUs, _finals);
        if (_finals.Count == 0)
            return;
        ProcessorMetrics.ClockCloses.Add(_finals.Count);
        EmitFinals(s, output);
    }

    /// <summary>Open-candle updates due by the per-candle throttle (processing time; never in a replay).</summary>
    public void EmitOpenUpdates(InstrumentState s, long nowUs, long throttleUs, List<OutputRecord> output)
    {
        if (!topology.OpenCandleUpdates)
            return;
        _due.Clear();
        s.Aggregator.TakeDueUpdates(nowUs, throttleUs, _due);
        foreach (var c in _due)
            output.Add(new(topology.CandlesOut, null, s.KeyBytes, c.ToMessage(s.Instrument).ToByteArray(), CandleHeaders));
    }

    private void EmitFinals(InstrumentState s, List<OutputRecord> output)
    {
        foreach (var c in _finals)
        {
            if (c.Revision > 0)
                ProcessorMetrics.LateTrades.Add(1);
            if (!topology.Writes(c.Interval))
                continue;
            var bytes = c.ToMessage(s.Instrument).ToByteArray();
            output.Add(new(topology.CandlesOut, null, s.KeyBytes, bytes, CandleHeaders));
            output.Add(new(topology.FinalCandlesOut, null, s.KeyBytes, bytes, CandleHeaders));
            indicators.Apply(s, c, output);
        }
    }
}
