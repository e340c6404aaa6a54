// One WebSocket client as the feed sees it: its subscriptions and the messages waiting for it. Candle and indicator
// states are coalesced (the latest state of each candle wins, in first-arrival order, so a throttled client gets fewer
// updates, never stale ones); trades and replies queue in order. The queue is bounded: a client that falls more than
// the limit behind is marked overflowed, its queue is dropped and the endpoint closes it with the reason.
using Pipeline.Schemas.V1;

namespace Pipeline.Api;

public sealed class LiveSocketClient(int queueLimit) : ILiveSubscriber
{
    /// <summary>A message to send: kind is "update", "close", "trade", "indicator" or "reply" (Payload is then JSON bytes).</summary>
    public readonly record struct Message(string Kind, object Payload);

    private readonly object _gate = new();
    private readonly SemaphoreSlim _signal = new(0, 1);
    private List<Message> _queue = [];
    private readonly Dictionary<(string, string, long, string), int> _slots = new(); // coalescing key → index in _queue
    private HashSet<LiveTopic> _topics = [];

    // Snapshots the feed thread reads without the lock; replaced whole on (un)subscribe.
    private volatile HashSet<string> _candleKeys = [];
    private volatile HashSet<string> _tradeKeys = [];
    private volatile HashSet<string> _indicatorKeys = [];
    private volatile bool _overflowed;
    private readonly CancellationTokenSource _overflow = new();

    /// <summary>Set once the client fell more than the queue limit behind; nothing more is queued for it.</summary>
    public bool Overflowed => _overflowed;

    /// <summary>Cancelled when the client overflows.</summary>
    public CancellationToken OverflowedSignal => _overflow.Token;
    public int QueueLimit => queueLimit;
    public IReadOnlyCollection<LiveTopic> Topics
    {
        get
        {
            lock (_gate)
                return [.. _topics];
        }
    }

    public bool WantsCandles(string instrumentKey) => !_overflowed && _candleKeys.Contains(instrumentKey);

    public bool WantsTrades(string instrumentKey) => !_overflowed && _tradeKeys.Contains(instrumentKey);

    public bool WantsIndicators(string instrumentKey) => !_overflowed && _indicatorKeys.Contains(instrumentKey);

    public void OfferCandle(string instrumentKey, Candle candle)
    {
        if (candle.Instrument is null)
            return;
        lock (_gate)
        {
            var channel = candle.Closed ? LiveTopic.Closes : LiveTopic.Updates;
            if (!_topics.Contains(new LiveTopic(instrumentKey, candle.Interval, channel)))
                return;
            var slot = (instrumentKey, candle.Interval, candle.OpenTimeUs, "");
            if (_slots.TryGetValue(slot, out var at))
            {
                var old = (Candle)_queue[at].Payload;
                if ((old.Closed, old.Revision).CompareTo((candle.Closed, candle.Revision)) > 0)
                    return; // never a close replaced by an older update
                _queue[at] = new Message(candle.Closed ? "close" : "update", candle);
                return; // replaced in place: nothing new to signal
            }
            if (!Enqueue(new Message(candle.Closed ? "close" : "update", candle)))
                return;
            _slots[slot] = _queue.Count - 1;
        }
        Signal();
    }

    public void OfferIndicator(string instrumentKey, IndicatorValue value)
    {
        if (value.Instrument is null)
            return;
        lock (_gate)
        {
            if (!_topics.Contains(new LiveTopic(instrumentKey, value.Interval, LiveTopic.Indicators)))
                return;
            var slot = (instrumentKey, value.Interval, value.OpenTimeUs, value.Indicator);
            if (_slots.TryGetValue(slot, out var at))
            {
                if (((IndicatorValue)_queue[at].Payload).CandleRevision > value.CandleRevision)
                    return;
                _queue[at] = new Message("indicator", value);
                return;
            }
            if (!Enqueue(new Message("indicator", value)))
                return;
            _slots[slot] = _queue.Count - 1;
        }
        Signal();
    }

    public void OfferTrade(string instrumentKey, Trade trade)
    {
        if (trade.Instrument is null)
            return;
        lock (_gate)
        {
            if (!_topics.Contains(new LiveTopic(instrumentKey, null, LiveTopic.Trades)))
                return;
            if (!Enqueue(new Message("trade", trade)))
                return;
        }
        Signal();
    }

    /// <summary>Queues a reply (ready, subscribed, error, pong) already written as JSON.</summary>
    public void Reply(byte[] json)
    {
        lock (_gate)
            if (!Enqueue(new Message("reply", json)))
                return;
        Signal();
    }

    /// <summary>Adds (or removes) topics and queues the reply in the same step, so the reply precedes their first data.</summary>
    public void Change(IEnumerable<LiveTopic> topics, bool add, Func<IReadOnlyCollection<LiveTopic>, byte[]> reply)
    {
        lock (_gate)
        {
            var next = new HashSet<LiveTopic>(_topics);
            foreach (var t in topics)
                if (add)
                    next.Add(t);
                else
                    next.Remove(t);
            _topics = next;
            _candleKeys = [.. next.Where(t => t.Channel is LiveTopic.Updates or LiveTopic.Closes).Select(t => t.Instrument)];
            _tradeKeys = [.. next.Where(t => t.Channel == LiveTopic.Trades).Select(t => t.Instrument)];
            _indicatorKeys = [.. next.Where(t => t.Channel == LiveTopic.Indicators).Select(t => t.Instrument)];
            Enqueue(new Message("reply", reply(next)));
        }
        Signal();
    }

    /// <summary>Takes what is waiting; coalesced states (candles, indicators) only when <paramref name="withStates"/>.</summary>
    public List<Message> Take(bool withStates, out int states)
    {
        lock (_gate)
        {
            states = 0;
            if (withStates || _slots.Count == 0)
            {
                var all = _queue;
                _queue = [];
                states = _slots.Count;
                _slots.Clear();
                return all;
            }
            // Throttled: trades and replies go now; coalesced states stay, in order, for later.
            var now = new List<Message>();
            var kept = new List<Message>();
            _slots.Clear();
            foreach (var m in _queue)
            {
                if (m.Kind is "trade" or "reply")
                {
                    now.Add(m);
                    continue;
                }
                kept.Add(m);
                _slots[SlotOf(m)] = kept.Count - 1;
            }
            _queue = kept;
            return now;
        }
    }

    /// <summary>Whether coalesced states are waiting (a throttled sender wakes for them when their turn comes).</summary>
    public bool HasStates
    {
        get
        {
            lock (_gate)
                return _slots.Count > 0;
        }
    }

    /// <summary>Waits until something is queued (or the client overflowed), at most <paramref name="timeout"/>.</summary>
    public Task WaitAsync(TimeSpan timeout, CancellationToken ct) => _signal.WaitAsync(timeout, ct);

    private static (string, string, long, string) SlotOf(Message m) =>
        m.Payload switch
        {
            Candle c => (c.Instrument.Key, c.Interval, c.OpenTimeUs, ""),
            IndicatorValue v => (v.Instrument.Key, v.Interval, v.OpenTimeUs, v.Indicator),
            _ => throw new InvalidOperationException($"{m.Kind} is not coalesced"),
        };

    private bool Enqueue(Message m)
    {
        if (_overflowed)
            return false;
        if (_queue.Count >= queueLimit)
        {
            // Memory never grows with a stuck client: drop its queue, stop feeding it, let the endpoint close it.
            _overflowed = true;
            _queue = [];
            _slots.Clear();
            Signal();
            ThreadPool.UnsafeQueueUserWorkItem(static o => ((CancellationTokenSource)o!).Cancel(), _overflow); // not under our lock
            return false;
        }
        _queue.Add(m);
        return true;
    }

    private void Signal()
    {
        if (_signal.CurrentCount == 0)
            try
            {
                _signal.Release();
            }
            catch (SemaphoreFullException) { }
    }
}
