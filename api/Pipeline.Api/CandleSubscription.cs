// One SSE client: which candles it wants and the latest pending state of each candle, sent at a throttled rate.
using Pipeline.Schemas.V1;

namespace Pipeline.Api;

public sealed class CandleSubscription(IReadOnlySet<string> instruments, IReadOnlySet<string> intervals) : ILiveSubscriber
{
    private readonly object _gate = new();

    // Latest state per candle, in first-arrival order: a slow client gets fewer updates, never stale ones, and a
    // close is never lost (only a newer state of the same candle replaces it).
    private readonly Dictionary<(string, string, long), (long Order, Candle Candle)> _pending = new();
    private readonly SemaphoreSlim _signal = new(0, 1);
    private long _order;

    public bool WantsCandles(string instrumentKey) => instruments.Contains(instrumentKey);

    public void OfferCandle(string instrumentKey, Candle candle)
    {
        if (candle.Instrument is null || !intervals.Contains(candle.Interval))
            return;
        lock (_gate)
        {
            var key = (instrumentKey, candle.Interval, candle.OpenTimeUs);
            if (
                _pending.TryGetValue(key, out var old)
                && (old.Candle.Closed, old.Candle.Revision).CompareTo((candle.Closed, candle.Revision)) > 0
            )
                return; // never replace a close with an older open update
            _pending[key] = (old.Candle is null ? ++_order : old.Order, candle);
        }
        if (_signal.CurrentCount == 0)
            try
            {
                _signal.Release();
            }
            catch (SemaphoreFullException) { }
    }

    /// <summary>Waits until something is pending, then takes all of it.</summary>
    public async Task<IReadOnlyList<Candle>> TakeAsync(TimeSpan heartbeat, CancellationToken ct)
    {
        await _signal.WaitAsync(heartbeat, ct);
        lock (_gate)
        {
            var batch = _pending.Values.OrderBy(p => p.Order).Select(p => p.Candle).ToList();
            _pending.Clear();
            return batch;
        }
    }
}
