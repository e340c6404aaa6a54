// The body of POST /backfills.
using System.ComponentModel;

namespace Pipeline.Api.Backfills;

/// <summary>What to backfill: configured instruments, a time range, venue candle intervals and/or trades.</summary>
[Description("What to backfill: configured instruments, a time range, venue candle intervals and/or trades.")]
public sealed record BackfillAsk(
    [property: Description("Instrument keys, e.g. [\"binance:BTC/USDT:spot\"] (configured instruments on real venues)")]
        IReadOnlyList<string>? Instruments,
    [property: Description("Inclusive start: ISO-8601 UTC, e.g. 2024-01-01 or 2024-01-01T12:00:00Z")] string? Start,
    [property: Description("Exclusive end (ISO-8601 UTC); default now; not in the future")] string? End,
    [property: Description("Venue candle intervals to fetch, e.g. [\"1m\"]; default [\"1m\"] unless trades is true")]
        IReadOnlyList<string>? Intervals,
    [property: Description("Also fetch trades (binance, coinbase, kraken, okx; bybit only its recent trades; not hyperliquid)")]
        bool? Trades
);
