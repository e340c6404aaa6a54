// Checks one trade: required fields, positive price and size, clock skew for live records,
// bounds the later stages can represent, duplicate ids over the instrument's whole history; flags price jumps.
using Pipeline.Plumbing.Configuration;
using Pipeline.Schemas;
using Pipeline.Schemas.V1;

namespace Pipeline.Processors.Validation;

public sealed class TradeValidator(ProcessingOptions options)
{
    private readonly long _maxSkewUs = options.MaxClockSkewMs * 1000L;
    private readonly decimal _jump = (decimal)options.PriceJumpFraction;

    /// <summary>Checks of the values that need no state (the instrument is checked by the caller). Null when they pass.</summary>
    public Rejection? CheckValues(in WireTrade t)
    {
        if (!t.HasPrice)
            return new(DeadLetterReasons.MissingPrice, "trade has no price");
        if (!t.HasSize)
            return new(DeadLetterReasons.MissingSize, "trade has no size");
        if (t.ScaleOutOfRange)
            return new(DeadLetterReasons.Malformed, "price or size has a decimal scale above 28");
        if (t.Price <= 0)
            return new(DeadLetterReasons.PriceNotPositive, $"price {t.Price} is not positive");
        if (t.Size <= 0)
            return new(DeadLetterReasons.SizeNotPositive, $"size {t.Size} is not positive");
        if (t.TradeId < 0)
            return new(DeadLetterReasons.TradeIdNegative, $"trade id {t.TradeId} is negative");
        if (t.EventTimeUs <= 0)
            return new(DeadLetterReasons.MissingEventTime, "trade has no event time");
        // Bounds the next stages and PostgreSQL can represent (issue 18: a price of 1e15 × size 1e15 overflowed the
        // candle's quote volume; a trade in the year 30,000 crash-looped the sink).
        if (RecordBounds.CheckTime("event time", t.EventTimeUs) is { } badTime)
            return new(DeadLetterReasons.TimeOutOfRange, badTime);
        if (t.ReceiveTimeUs != 0 && RecordBounds.CheckTime("receive time", t.ReceiveTimeUs) is { } badReceive)
            return new(DeadLetterReasons.TimeOutOfRange, badReceive);
        if (t.Price > RecordBounds.MaxPriceOrSize || t.Size > RecordBounds.MaxPriceOrSize)
            return new(
                DeadLetterReasons.ValueOutOfRange,
                $"price {t.Price} or size {t.Size} is above the supported {RecordBounds.MaxPriceOrSize}"
            );
        if (t.Price * t.Size > RecordBounds.MaxNotional)
            return new(
                DeadLetterReasons.ValueOutOfRange,
                $"price × size {t.Price * t.Size} is above the supported {RecordBounds.MaxNotional}"
            );
        switch (t.Origin)
        {
            case Origin.Live or Origin.Simulated:
                if (t.ReceiveTimeUs <= 0)
                    return new(DeadLetterReasons.MissingReceiveTime, "live trade has no receive time");
                var skew = t.EventTimeUs - t.ReceiveTimeUs;
                if (Math.Abs(skew) > _maxSkewUs)
                    return new(
                        DeadLetterReasons.ClockSkew,
                        $"event time differs from receive time by {skew / 1000} ms, more than "
                            + $"the allowed {_maxSkewUs / 1000} ms (Processing:MaxClockSkewMs)"
                    );
                break;
            case Origin.Backfill or Origin.Import:
                break;
            default:
                return new(DeadLetterReasons.MissingOrigin, "trade has no origin (live, backfill, import or simulated)");
        }
        return null;
    }

    /// <summary>Checks against what was seen before: a trade id already accepted for the instrument, at any time in its
    /// history, is a duplicate. Order is not checked: history may be loaded in any order (months in parallel, gaps
    /// filled later) and event-time candles take late trades as revisions. Does not change the state.</summary>
    public Rejection? CheckHistory(in WireTrade t, string key, ValidatorState state) =>
        state.SeenIds.Contains(t.TradeId)
            ? new(
                DeadLetterReasons.DuplicateTradeId,
                $"trade id {t.TradeId} of {key} was already accepted (a re-run import, an overlapping backfill or a retry)"
            )
            : null;

    /// <summary>Records an accepted trade; returns true when its price jumped beyond the configured fraction of the reference.</summary>
    public bool Accept(in WireTrade t, decimal price, ValidatorState state)
    {
        var jumped = state.LastPrice > 0 && Math.Abs(price - state.LastPrice) > state.LastPrice * _jump;
        state.SeenIds.Add(t.TradeId);
        state.LastPrice = price;
        return jumped;
    }
}
