// The most recent candles of one instrument, interval and source (version live), oldest first, with the time from
// which the series is known to hold every row PostgreSQL holds. Updated by the feed thread, read by requests: every
// access takes the series' lock, and a read copies out only references.
using System.Runtime.InteropServices;
using Pipeline.Schemas;

namespace Pipeline.Api.RecentCandles;

public sealed class RecentCandleSeries
{
    private readonly List<StoredCandle> _candles;
    private readonly int _depth;

    /// <param name="candles">Oldest first.</param>
    /// <param name="complete">True when <paramref name="candles"/> are all the rows there are (fewer than the depth).</param>
    public RecentCandleSeries(List<StoredCandle> candles, int depth, bool complete)
    {
        _candles = candles;
        _depth = depth;
        CoveredFromUs = complete || candles.Count == 0 ? long.MinValue : candles[0].TimeUs;
    }

    /// <summary>Every stored row with a time at or after this is held (long.MinValue: every row).</summary>
    public long CoveredFromUs { get; private set; }

    public int Count
    {
        get
        {
            lock (_candles)
                return _candles.Count;
        }
    }

    /// <summary>Applies a record the way the sink's upsert does: a new time is inserted, an existing one is replaced
    /// when the record's (closed, revision) is not below the stored one's. A time before the covered range is left to
    /// PostgreSQL. Past the depth the oldest candle goes, and the covered range starts just after it.</summary>
    public void Apply(StoredCandle candle)
    {
        lock (_candles)
        {
            if (candle.TimeUs < CoveredFromUs)
                return;
            var i = LowerBound(candle.TimeUs);
            if (i < _candles.Count && _candles[i].TimeUs == candle.TimeUs)
            {
                var old = _candles[i];
                if ((old.Closed, old.Revision).CompareTo((candle.Closed, candle.Revision)) <= 0)
                    _candles[i] = candle;
                return;
            }
            _candles.Insert(i, candle);
            if (_candles.Count <= _depth)
                return;
            CoveredFromUs = _candles[0].TimeUs + 1;
            _candles.RemoveAt(0);
        }
    }

    /// <summary>The answer of one /candles request, or null when part of it lies outside the covered range. Mirrors
    /// <see cref="CandleReader"/>'s three queries: the oldest of the <c>limit</c> latest rows before end (when the
    /// range asks for the latest rows), the rows in [first, end) (at most limit + 1), and the close before first (fill).</summary>
    public CandleWindow? TryRead(CandleInterval interval, HistoryRange range, long? from, bool fill)
    {
        lock (_candles)
        {
            if (range.Latest)
            {
                var before = LowerBound(range.EndUs);
                long? start;
                if (before >= range.Limit)
                    start = _candles[before - range.Limit].TimeUs;
                else if (CoveredFromUs == long.MinValue)
                    start = before > 0 ? _candles[0].TimeUs : null;
                else
                    return null;
                range = range with { StartUs = start ?? range.EndUs - interval.DurationUs };
            }
            var first = from ?? interval.FirstOpenAtOrAfter(range.StartUs);
            if (first < CoveredFromUs)
                return null;
            var i = LowerBound(first);
            decimal? previousClose = null;
            if (fill)
            {
                if (i > 0)
                    previousClose = _candles[i - 1].Close;
                else if (CoveredFromUs != long.MinValue)
                    return null;
            }
            // The rows in [first, end), at most limit + 1, copied out in one block.
            var count = Math.Min(LowerBound(range.EndUs) - i, range.Limit + 1);
            var rows = new List<StoredCandle>(Math.Max(count, 0));
            if (count > 0)
                rows.AddRange(CollectionsMarshal.AsSpan(_candles).Slice(i, count));
            return new CandleWindow(range, first, rows, previousClose);
        }
    }

    private int LowerBound(long timeUs)
    {
        int lo = 0,
            hi = _candles.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_candles[mid].TimeUs < timeUs)
                lo = mid + 1;
            else
                hi = mid;
        }
        return lo;
    }
}
