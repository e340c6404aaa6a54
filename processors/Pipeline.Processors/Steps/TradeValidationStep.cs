// Step 1 for a trade: read it, resolve its instrument, check its values, key, duplicates and lateness, and pass it on
// (to trades.valid, flagged on a price jump). Anything it refuses becomes a dead letter with its reason.
using Confluent.Kafka;
using Pipeline.Plumbing.Configuration;
using Pipeline.Plumbing.Serialization;
using Pipeline.Processors.State;
using Pipeline.Processors.Validation;
using Pipeline.Schemas;
using Pipeline.Schemas.V1;

namespace Pipeline.Processors.Steps;

internal sealed class TradeValidationStep(
    ProcessingOptions options,
    ProcessorTopology topology,
    IReadOnlySet<string> known,
    InstrumentStates states,
    ValidatorStore store,
    DeadLetterWriter deadLetters
)
{
    private static readonly Headers TradeHeaders = MessageHeaders.For<Trade>();
    private static readonly Headers FlaggedTradeHeaders = WithFlag(MessageHeaders.For<Trade>());
    private readonly TradeValidator _validator = new(options);
    private readonly InstrumentResolver _resolver = new(known);

    /// <summary>The instrument state the trade goes on to; null when it was dead-lettered or lies outside a replay's range.</summary>
    public InstrumentState? Accept(ProcessorRecord r, long nowUs, List<OutputRecord> output, out WireTrade t)
    {
        t = default;
        if (r.Value is null)
            return Refuse(r, new(DeadLetterReasons.EmptyValue, "record has no value"), nowUs, output);
        if (!WireTrade.TryParse(r.Value, out t))
            return Refuse(r, new(DeadLetterReasons.Malformed, "value is not a valid protobuf pipeline.v1.Trade"), nowUs, output);
        // Outside a replay's range: not part of this version at all (not a dead letter either).
        if (topology.Skips(t.EventTimeUs))
            return null;
        var ins = t.InstrumentLength < 0 ? null : _resolver.Resolve(r.Value.AsSpan(t.InstrumentOffset, t.InstrumentLength));
        if (ins is null || !ins.Complete)
            return Refuse(
                r,
                new(DeadLetterReasons.MissingInstrument, "trade has no complete instrument (exchange, base, quote, market)"),
                nowUs,
                output
            );
        if (!ins.Known)
            return Refuse(
                r,
                new(
                    DeadLetterReasons.UnknownInstrument,
                    $"instrument {ins.Key} is not registered; add it to Instruments in the configuration"
                ),
                nowUs,
                output
            );
        if (topology.Validate && _validator.CheckValues(t) is { } bad)
            return Refuse(r, bad, nowUs, output);
        // An instrument's state lives with one partition: a record keyed otherwise may sit in another partition,
        // owned by another instance, and would be counted twice.
        if (r.Key is null || !r.Key.AsSpan().SequenceEqual(ins.KeyBytes))
            return Refuse(
                r,
                new(
                    DeadLetterReasons.WrongKey,
                    "trades.raw records must be keyed by their instrument key "
                        + $"'{ins.Key}' (so all of an instrument's trades share a partition)"
                ),
                nowUs,
                output
            );
        var s = states.Of(ins.Key, r.Partition);
        if (topology.Validate && _validator.CheckHistory(t, ins.Key, s.Validator) is { } dup)
            return Refuse(r, dup, nowUs, output);
        if (s.Aggregator.IsTooLate(t.EventTimeUs))
            return Refuse(
                r,
                new(
                    DeadLetterReasons.TooLate,
                    $"trade at {t.EventTimeUs} us is older than the revision horizon ({options.RevisionHorizonMs} ms "
                        + $"behind the watermark {s.Aggregator.WatermarkUs} us; Processing:RevisionHorizonMs)"
                ),
                nowUs,
                output
            );
        if (topology.Validate)
        {
            var jumped = _validator.Accept(t, t.Price, s.Validator);
            store.Changed(s);
            if (jumped)
                ProcessorMetrics.PriceJumps.Add(1);
            if (topology.ValidTradesOut is { } validOut)
                output.Add(new(validOut, null, s.KeyBytes, r.Value, jumped ? FlaggedTradeHeaders : TradeHeaders));
        }
        return s;
    }

    private InstrumentState? Refuse(ProcessorRecord r, Rejection why, long nowUs, List<OutputRecord> output)
    {
        deadLetters.Write(r, why, nowUs, output);
        return null;
    }

    private static Headers WithFlag(Headers h)
    {
        h.Add(MarketDataProcessor.PriceJumpHeader, "price_jump"u8.ToArray());
        return h;
    }
}
