// What one /candles request reads, from PostgreSQL or the recent-candle store: the range (its start resolved when the
// request asked for the latest rows), the first open time read, up to limit + 1 rows from there, and the close before
// it (fill only).
namespace Pipeline.Api;

public sealed record CandleWindow(HistoryRange Range, long FirstUs, List<StoredCandle> Rows, decimal? PreviousClose);
