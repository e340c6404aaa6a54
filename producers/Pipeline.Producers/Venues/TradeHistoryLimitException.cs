namespace Pipeline.Producers.Venues;

/// <summary>The venue's REST history does not reach back far enough to fill a trade gap (Bybit serves only its most recent
/// trades): what it had was delivered, the rest stays missing and is reported with its range.</summary>
/// <remarks>A signal to the caller, not a <see cref="Pipeline.Plumbing.Errors.PipelineException"/>: only trade history
/// throws it, and both readers of trade history catch it and report the missing range (the gap filler logs it, a
/// backfill job stores it as the part's failure); no user setting can make the venue serve older trades.</remarks>
public sealed class TradeHistoryLimitException(string message) : Exception(message);
