// Builds the candles of one instrument on all intervals by event time; closes them when the watermark
// (newest event time minus the allowed lateness) passes their end; keeps closed candles revisable for a horizon.
using Pipeline.Schemas;
using Pipeline.Schemas.V1;

namespace Pipeline.Processors.Candles;

public sealed class CandleAggregator
{
    private readonly long _latenessUs;
    private readonly long _horizonUs;
    private readonly Dictionary<long, CandleState>[] _candles;

    // Earliest end among open candles and earliest eviction time among closed ones, per interval: lets the
    // common trade skip scanning.
    private readonly long[] _nextCloseUs;
    private readonly long[] _nextEvictUs;
    private readonly List<CandleState> _pending = new();
    private TradeDelta _delta;
    private readonly CandleState?[] _deltaTargets = new CandleState?[CandleInterval.All.Count];
    private long _minNextCloseUs = long.MaxValue;

    // The candle store's marks: candles changed or dropped since its last flush (kept here, beside the candles, so the
    // hot path marks without a lookup of its instrument).
    private readonly DirtySet<(int Interval, long OpenUs)> _changes = new();
    private readonly List<(int Interval, long OpenUs)> _changedKeys = new();
    private readonly EvictedSpans[] _evicted;

    public CandleAggregator(long latenessUs, long horizonUs)
    {
        _latenessUs = latenessUs;
        _horizonUs = horizonUs;
        var n = CandleInterval.All.Count;
        _candles = new Dictionary<long, CandleState>[n];
        _nextCloseUs = new long[n];
        _nextEvictUs = new long[n];
        _evicted = new EvictedSpans[n];
        for (var i = 0; i < n; i++)
        {
            _candles[i] = new Dictionary<long, CandleState>();
            _nextCloseUs[i] = long.MaxValue;
            _nextEvictUs[i] = long.MaxValue;
            _evicted[i] = new EvictedSpans(CandleInterval.All[i].DurationUs);
        }
    }

    /// <summary>Newest event time seen (or marked by an end of input); long.MinValue before the first trade.</summary>
    public long MaxEventUs { get; private set; } = long.MinValue;
    public long WatermarkUs => MaxEventUs == long.MinValue ? long.MinValue : MaxEventUs - _latenessUs;

    /// <summary>The watermark store's mark: the newest event time or the dropped spans changed since its last flush.</summary>
    public bool MetaDirty { get; private set; }

    /// <summary>True when one of the trade's candles was closed and already dropped (beyond the revision horizon):
    /// it can no longer be revised. Older trades whose candles never existed are not too late.</summary>
    public bool IsTooLate(long eventUs)
    {
        var first = CandleInterval.All[0];
        var end = first.OpenTimeOf(eventUs) + first.DurationUs;
        if (WatermarkUs == long.MinValue || end + _horizonUs > WatermarkUs)
            return false;
        for (var i = 0; i < _candles.Length; i++)
        {
            var open = CandleInterval.All[i].OpenTimeOf(eventUs);
            if (!_candles[i].ContainsKey(open) && _evicted[i].Contains(open))
                return true;
        }
        return false;
    }

    /// <summary>Adds a trade to its candle on every interval; closed candles it lands in become revisions;
    /// candles closed by the watermark move are appended to <paramref name="finals"/>.</summary>
    public void Apply(
        decimal price,
        decimal size,
        AggressorSide aggressor,
        long eventUs,
        long tradeId,
        Origin origin,
        List<CandleState> finals
    ) => Apply(new TradeTick(price, size, aggressor, eventUs, tradeId, origin), finals);

    /// <inheritdoc cref="Apply(decimal, decimal, AggressorSide, long, long, Origin, List{CandleState})"/>
    public void Apply(in TradeTick t, List<CandleState> finals)
    {
        // Fast path: another trade of the minute being summed.
        if (!_delta.Active || !_delta.TryAdd(t))
        {
            Seal();
            if (!TryStartDelta(t))
                ApplyDirect(t, finals);
        }
        if (t.EventUs > MaxEventUs)
        {
            MaxEventUs = t.EventUs;
            MetaDirty = true;
            // Watermark = MaxEventUs - lateness; something closes once it reaches the earliest open end.
            var due = _delta.Active ? Math.Min(_minNextCloseUs, _delta.MinuteEndUs) : _minNextCloseUs;
            if (t.EventUs - _latenessUs >= due)
            {
                Seal();
                AdvanceWatermark(finals);
            }
        }
    }

    /// <summary>Starts summing a new minute when all its candles are open (no revision involved).</summary>
    private bool TryStartDelta(in TradeTick t)
    {
        if (!t.FastPath)
            return false;
        var minute = CandleInterval.All[0];
        var open = minute.OpenTimeOf(t.EventUs);
        var end = open + minute.DurationUs;
        if (end <= WatermarkUs)
            return false;
        for (var i = 0; i < _candles.Length; i++)
            if (_candles[i].TryGetValue(CandleInterval.All[i].OpenTimeOf(t.EventUs), out var c) && c.Closed)
                return false;
        _delta.Start(open, end, t);
        if (!_delta.TryAdd(t))
        {
            _delta.Active = false;
            return false;
        }
        for (var i = 0; i < _candles.Length; i++)
        {
            var interval = CandleInterval.All[i];
            var o = interval.OpenTimeOf(t.EventUs);
            if (!_candles[i].TryGetValue(o, out var c))
            {
                c = new CandleState(interval, o);
                _candles[i][o] = c;
                Track(i, c.CloseTimeUs);
            }
            _deltaTargets[i] = c;
        }
        return true;
    }

    /// <summary>Folds the summed trades of the current minute into its candles on every interval.</summary>
    private void Seal()
    {
        if (!_delta.Active)
            return;
        _delta.Active = false;
        for (var i = 0; i < _deltaTargets.Length; i++)
        {
            var c = _deltaTargets[i]!;
            c.Merge(_delta);
            _changes.Changed((i, c.OpenTimeUs));
            MarkPending(c);
            _deltaTargets[i] = null;
        }
    }

    private void Track(int i, long closeUs)
    {
        if (closeUs < _nextCloseUs[i])
            _nextCloseUs[i] = closeUs;
        if (closeUs < _minNextCloseUs)
            _minNextCloseUs = closeUs;
    }

    private void ApplyDirect(in TradeTick t, List<CandleState> finals)
    {
        var quote = t.Price * t.Size;
        var wm = WatermarkUs;
        for (var i = 0; i < _candles.Length; i++)
        {
            var interval = CandleInterval.All[i];
            var open = interval.OpenTimeOf(t.EventUs);
            var map = _candles[i];
            if (!map.TryGetValue(open, out var c))
            {
                c = new CandleState(interval, open);
                map[open] = c;
                if (c.CloseTimeUs + _horizonUs <= wm)
                {
                    // Far behind the watermark where no candle ever was (history loaded out of order): the candle
                    // stays open to gather its trades and closes once, at the next watermark move or end of input.
                    Track(i, c.CloseTimeUs);
                }
                else if (c.CloseTimeUs <= wm)
                {
                    // A late trade in an interval that had none: its first version is already final (revision 0).
                    c.Closed = true;
                    _nextEvictUs[i] = Math.Min(_nextEvictUs[i], c.CloseTimeUs + _horizonUs);
                }
                else
                    Track(i, c.CloseTimeUs);
                c.Apply(t.Price, t.Size, quote, t.Aggressor, t.EventUs, t.TradeId, t.Origin);
                if (c.Closed)
                    finals.Add(c);
                else
                    MarkPending(c);
            }
            else
            {
                c.Apply(t.Price, t.Size, quote, t.Aggressor, t.EventUs, t.TradeId, t.Origin);
                if (c.Closed)
                {
                    c.Revision++;
                    finals.Add(c);
                }
                else
                    MarkPending(c);
            }
            _changes.Changed((i, open));
        }
    }

    /// <summary>The wall clock of a real-time instrument, as an event time: when it reaches an open candle's end plus the
    /// lateness, the watermark moves there as if a trade at <paramref name="eventNowUs"/> had arrived (same closes,
    /// revisions for later trades), without adding anything to a candle.</summary>
    public void AdvanceClock(long eventNowUs, List<CandleState> finals)
    {
        if (eventNowUs <= MaxEventUs)
            return;
        var due = _delta.Active ? Math.Min(_minNextCloseUs, _delta.MinuteEndUs) : _minNextCloseUs;
        if (eventNowUs - _latenessUs < due)
            return;
        MaxEventUs = eventNowUs;
        MetaDirty = true;
        Seal();
        AdvanceWatermark(finals);
    }

    /// <summary>An end-of-input mark: every open candle closes now, and the watermark moves to the mark.</summary>
    public void EndOfInput(long throughUs, List<CandleState> finals)
    {
        Seal();
        if (throughUs > MaxEventUs)
        {
            MaxEventUs = throughUs;
            MetaDirty = true;
        }
        for (var i = 0; i < _candles.Length; i++)
        {
            foreach (var c in _candles[i].Values.Where(c => !c.Closed).OrderBy(c => c.OpenTimeUs))
                Close(i, c, finals);
            _nextCloseUs[i] = long.MaxValue;
        }
        _minNextCloseUs = long.MaxValue;
        Evict();
    }

    private void AdvanceWatermark(List<CandleState> finals)
    {
        var wm = WatermarkUs;
        for (var i = 0; i < _candles.Length; i++)
        {
            if (_nextCloseUs[i] > wm)
                continue;
            var next = long.MaxValue;
            // Close in time order so indicator series see candles in order.
            foreach (var c in _candles[i].Values.Where(c => !c.Closed).OrderBy(c => c.OpenTimeUs).ToList())
            {
                if (c.CloseTimeUs <= wm)
                    Close(i, c, finals);
                else
                    next = Math.Min(next, c.CloseTimeUs);
            }
            _nextCloseUs[i] = next;
        }
        _minNextCloseUs = _nextCloseUs.Min();
        Evict();
    }

    private void Close(int i, CandleState c, List<CandleState> finals)
    {
        c.Closed = true;
        c.PendingUpdate = false;
        _changes.Changed((i, c.OpenTimeUs));
        _nextEvictUs[i] = Math.Min(_nextEvictUs[i], c.CloseTimeUs + _horizonUs);
        finals.Add(c);
    }

    private void Evict()
    {
        var wm = WatermarkUs;
        for (var i = 0; i < _candles.Length; i++)
        {
            if (_nextEvictUs[i] > wm)
                continue;
            var next = long.MaxValue;
            foreach (var c in _candles[i].Values.Where(c => c.Closed).ToList())
            {
                if (c.CloseTimeUs + _horizonUs <= wm)
                {
                    _candles[i].Remove(c.OpenTimeUs);
                    _changes.Deleted((i, c.OpenTimeUs));
                    _evicted[i].Add(c.OpenTimeUs);
                    MetaDirty = true;
                }
                else
                    next = Math.Min(next, c.CloseTimeUs + _horizonUs);
            }
            _nextEvictUs[i] = next;
        }
    }

    private void MarkPending(CandleState c)
    {
        if (c.PendingUpdate)
            return;
        c.PendingUpdate = true;
        _pending.Add(c);
    }

    /// <summary>Open candles whose update is due (throttled per candle), marked as emitted at <paramref name="nowUs"/>.</summary>
    public void TakeDueUpdates(long nowUs, long throttleUs, List<CandleState> due)
    {
        Seal();
        var keep = 0;
        for (var k = 0; k < _pending.Count; k++)
        {
            var c = _pending[k];
            if (c.Closed || !c.PendingUpdate)
            {
                c.PendingUpdate = false;
                continue;
            }
            if (c.LastEmitUs == long.MinValue || nowUs - c.LastEmitUs >= throttleUs)
            {
                c.PendingUpdate = false;
                c.LastEmitUs = nowUs;
                due.Add(c);
            }
            else
                _pending[keep++] = c;
        }
        _pending.RemoveRange(keep, _pending.Count - keep);
    }

    /// <summary>Changed and removed candles since the last call (for the changelog), then clears the marks.</summary>
    public void TakeChanges(List<CandleState> changed, List<(int Interval, long OpenUs)> removed)
    {
        Seal();
        _changedKeys.Clear();
        _changes.TakeAll(_changedKeys, removed);
        foreach (var (i, open) in _changedKeys)
            if (_candles[i].TryGetValue(open, out var c))
                changed.Add(c);
    }

    /// <summary>True once after the newest event time or the dropped spans changed (then write <see cref="SerializeMeta"/>).</summary>
    public bool TakeMetaChange()
    {
        var dirty = MetaDirty;
        MetaDirty = false;
        return dirty;
    }

    /// <summary>Puts back a candle read from the changelog.</summary>
    public void Restore(CandleState c)
    {
        var i = c.Interval.Index;
        _candles[i][c.OpenTimeUs] = c;
        if (c.Closed)
            _nextEvictUs[i] = Math.Min(_nextEvictUs[i], c.CloseTimeUs + _horizonUs);
        else
        {
            Track(i, c.CloseTimeUs);
            // Restored open candles get an update emitted again: harmless (same values) and keeps readers current.
            MarkPending(c);
        }
    }

    /// <summary>The watermark store's changelog value: the newest event time, the spans of dropped candles and the
    /// instrument's real-time delay (kept beside them; long.MinValue = not real time).</summary>
    public byte[] SerializeMeta(long realTimeDelayUs)
    {
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms))
        {
            w.Write(MaxEventUs);
            w.Write((byte)2);
            foreach (var spans in _evicted)
                spans.Write(w);
            w.Write(realTimeDelayUs);
        }
        return ms.ToArray();
    }

    /// <summary>Restores <see cref="SerializeMeta"/> and returns the real-time delay (long.MinValue when the record has
    /// none: formats before 2). The first format held only the newest event time: then every candle older than the
    /// revision horizon counts as dropped, as it did when that format was written.</summary>
    public long RestoreMeta(byte[] value)
    {
        using var r = new BinaryReader(new MemoryStream(value));
        // Latest wins: a changelog holds every version of this record until compaction, and reading one more must
        // replace the spans, not add to them (they were appended unsorted, so Contains answered wrong after a restart).
        foreach (var spans in _evicted)
            spans.Clear();
        MaxEventUs = r.ReadInt64();
        if (value.Length == sizeof(long))
        {
            if (MaxEventUs == long.MinValue)
                return long.MinValue;
            for (var i = 0; i < _evicted.Length; i++)
            {
                var newestDropped = CandleInterval.All[i].OpenTimeOf(WatermarkUs - _horizonUs) - CandleInterval.All[i].DurationUs;
                _evicted[i].AddRange(CandleInterval.All[0].OpenTimeOf(RecordBoundsMinUs), newestDropped);
            }
            return long.MinValue;
        }
        var version = r.ReadByte();
        if (version is not (1 or 2))
            throw new InvalidDataException("aggregator meta state: unknown format version");
        foreach (var spans in _evicted)
            spans.ReadInto(r);
        return version == 2 ? r.ReadInt64() : long.MinValue;
    }

    private const long RecordBoundsMinUs = Pipeline.Schemas.V1.RecordBounds.MinTimeUs;

    /// <summary>Drops a candle the changelog says was evicted.</summary>
    public void Forget(int interval, long openUs) => _candles[interval].Remove(openUs);

    public IEnumerable<CandleState> Candles(int interval)
    {
        Seal();
        return _candles[interval].Values;
    }
}
