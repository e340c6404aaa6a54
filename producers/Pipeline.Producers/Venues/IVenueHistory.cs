using Pipeline.Schemas.V1;

namespace Pipeline.Producers.Venues;

/// <summary>A venue's REST history: trades and candles for gap filling and the backfill command, paged and rate-limited.</summary>
public interface IVenueHistory
{
    string Exchange { get; }

    /// <summary>False when the venue has no public trade history (Hyperliquid): gaps are then filled with candles.</summary>
    bool HasTradeHistory { get; }

    /// <summary>Trades strictly inside the gap, oldest first, with origin BACKFILL.</summary>
    IAsyncEnumerable<Trade> TradesAsync(VenueListing listing, TradeGap gap, CancellationToken ct);

    /// <summary>Trades with event time in [fromUs, toUs), oldest first, page by page (backfill jobs). Throws
    /// NotSupportedException when the venue serves no trade history by time, TradeHistoryLimitException (after the
    /// trades it has) when its history does not reach back to fromUs.</summary>
    IAsyncEnumerable<IReadOnlyList<Trade>> TradePagesAsync(VenueListing listing, long fromUs, long toUs, CancellationToken ct);

    /// <summary>Closed candles with open time in [fromUs, toUs), oldest first, page by page.</summary>
    IAsyncEnumerable<IReadOnlyList<Candle>> CandlePagesAsync(
        VenueListing listing,
        string interval,
        long fromUs,
        long toUs,
        CancellationToken ct
    );
}
