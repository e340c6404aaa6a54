namespace Pipeline.Producers.Venues;

/// <summary>The venue's REST history does not reach back far enough to fill a trade gap (Bybit serves only its most recent
/// trades): what it had was delivered, the rest stays missing and is reported with its range.</summary>
public sealed class TradeHistoryLimitException(string message) : Exception(message);
