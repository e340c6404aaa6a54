namespace Pipeline.Producers.Venues;

/// <summary>Trades missed between the last one delivered (<see cref="AfterId"/> at <see cref="AfterTimeUs"/>) and the
/// first one seen again (<see cref="BeforeId"/> at <see cref="BeforeTimeUs"/>), both exclusive.</summary>
public sealed record TradeGap(long AfterId, long AfterTimeUs, long BeforeId, long BeforeTimeUs, TradeGapCause Cause);
