// The recent candles of every instrument, interval and source of version live, held in memory with their JSON already
// written, so a /candles request inside the held range costs no database round trip and no number formatting. Loaded
// from one PostgreSQL snapshot together with the sink's stored positions, then kept up by RecentCandleFeed from those
// positions on, so it holds exactly what the sink has written or is about to write. A request it cannot answer in
// full (older ranges, another version, the store behind the sink or not caught up) goes to PostgreSQL.
using System.Collections.Concurrent;
using System.Diagnostics;
using Pipeline.Schemas;

namespace Pipeline.Api.RecentCandles;

public sealed class RecentCandleStore(int depth)
{
    /// <summary>How long after the feed last stood at the end of the candles topic (and last reached the broker) the
    /// store still answers; past it requests go to PostgreSQL.</summary>
    public static readonly TimeSpan FreshFor = TimeSpan.FromSeconds(2);

    /// <summary>How long a check of the sink's stored positions vouches for the store: it answers only while the latest
    /// check began less than this long ago and the store has applied at least the positions it read. So an answer from
    /// memory holds every row the sink committed before that check began: read-your-writes with respect to PostgreSQL
    /// for every sink commit at least this long before the request (the feed checks every 100 ms).</summary>
    public static readonly TimeSpan SinkCheckValidFor = TimeSpan.FromMilliseconds(500);

    private static readonly long SinkCheckValidTicks = (long)(SinkCheckValidFor.TotalSeconds * Stopwatch.Frequency);

    private const long Never = long.MinValue / 2;

    private volatile ConcurrentDictionary<(string Instrument, string Interval, short Source), RecentCandleSeries>? _series;

    // Environment.TickCount64 (ms) of the last time the feed stood at the end of the topic / reached the broker: real
    // elapsed time, whatever clock the API uses for "now" in answers.
    private long _caughtUpMs = long.MinValue / 2;
    private long _contactMs = long.MinValue / 2;
    private long _versionCheckedMs = long.MinValue / 2;
    private volatile bool _liveIsCurrent;
    private long _hits;
    private long _misses;

    // The store's applied positions and the latest check of the sink's: changed together under this lock (feed thread and
    // check task), so a check is never judged against positions of a store that has since been reloaded.
    private readonly Lock _progress = new();
    private readonly ConcurrentDictionary<int, long> _positions = new();
    private IReadOnlyDictionary<int, long> _sinkStored = new Dictionary<int, long>();

    // The latest check's positions and start while the store has not applied them yet (null: it has).
    private (IReadOnlyDictionary<int, long> Stored, long StartedAt)? _sinkAhead;

    // Stopwatch timestamp at which the latest check began, if the store has applied the positions it read; Never otherwise.
    private long _vouchedAt = Never;

    /// <summary>Candles held per instrument, interval and source; 0: the store is off.</summary>
    public int Depth => depth;

    public bool Enabled => depth > 0;

    /// <summary>True while the store may answer: loaded, at or past the sink's stored positions as of a check begun less
    /// than <see cref="SinkCheckValidFor"/> ago, at the end of the topic and in contact with the broker lately.</summary>
    public bool Serving
    {
        get
        {
            if (_series is null)
                return false;
            // The sink check is the freshness guarantee. Having seen the end of every partition is not: it stays true
            // until the next record is handed over, however long its fetch takes, so it is only a liveness guard.
            if (Stopwatch.GetTimestamp() - Interlocked.Read(ref _vouchedAt) >= SinkCheckValidTicks)
                return false;
            var now = Environment.TickCount64;
            return now - Interlocked.Read(ref _caughtUpMs) < FreshFor.TotalMilliseconds
                && now - Interlocked.Read(ref _contactMs) < FreshFor.TotalMilliseconds;
        }
    }

    /// <summary>/candles requests answered from memory, and those that went to PostgreSQL although the store is on.</summary>
    public long Hits => Interlocked.Read(ref _hits);
    public long Misses => Interlocked.Read(ref _misses);

    /// <summary>Candles held in all series (for the log and the docs' memory estimate).</summary>
    public long Count => _series?.Values.Sum(s => (long)s.Count) ?? 0;

    /// <summary>Replaces everything with a freshly loaded snapshot, which holds the sink's rows up to
    /// <paramref name="positions"/> (its stored positions in the same snapshot). Not serving until the feed reports it is at
    /// the end and a check of the sink's positions finds the store at or past them.</summary>
    public void Load(
        IEnumerable<((string Instrument, string Interval, short Source) Key, List<StoredCandle> Candles)> snapshot,
        IReadOnlyDictionary<int, long> positions
    )
    {
        _series = null;
        lock (_progress)
        {
            _positions.Clear();
            foreach (var (partition, next) in positions)
                _positions[partition] = next;
            _sinkAhead = null;
            Interlocked.Exchange(ref _vouchedAt, Never);
        }
        Interlocked.Exchange(ref _caughtUpMs, long.MinValue / 2);
        var series = new ConcurrentDictionary<(string, string, short), RecentCandleSeries>();
        foreach (var (key, candles) in snapshot)
            series[key] = new RecentCandleSeries(candles, depth, complete: candles.Count < depth);
        _series = series;
    }

    /// <summary>Stops answering (the feed lost its place); the next <see cref="Load"/> starts over.</summary>
    public void Unload() => _series = null;

    /// <summary>Next offset of each candles partition the store has applied (read), for tests and the log.</summary>
    public IReadOnlyDictionary<int, long> Positions => _positions;

    /// <summary>The sink's stored positions in the candles topic (partition → next offset) at the latest check.</summary>
    public IReadOnlyDictionary<int, long> SinkStored => Volatile.Read(ref _sinkStored);

    /// <summary>The feed applied (or skipped) every record of the partition before <paramref name="nextOffset"/>.</summary>
    public void NoteProgress(int partition, long nextOffset)
    {
        lock (_progress)
        {
            _positions[partition] = nextOffset;
            if (_sinkAhead is { } ahead && Covers(ahead.Stored))
            {
                _sinkAhead = null;
                Interlocked.Exchange(ref _vouchedAt, ahead.StartedAt);
            }
        }
    }

    /// <summary>The sink's stored positions in the candles topic, read by a check that began at
    /// <paramref name="startedAt"/> (a <see cref="Stopwatch.GetTimestamp"/> taken before the query was sent). Until the store
    /// has applied them it does not answer: the sink has committed rows it lacks.</summary>
    public void NoteSinkPositions(IReadOnlyDictionary<int, long> stored, long startedAt)
    {
        lock (_progress)
        {
            Volatile.Write(ref _sinkStored, stored);
            if (Covers(stored))
            {
                _sinkAhead = null;
                Interlocked.Exchange(ref _vouchedAt, startedAt);
            }
            else
            {
                // Known behind: an older check's vouching no longer counts.
                _sinkAhead = (stored, startedAt);
                Interlocked.Exchange(ref _vouchedAt, Never);
            }
        }
    }

    /// <summary>True when the store has applied every record the sink has stored by these positions. Both read
    /// read_committed, and the sink stores one past the last record it read, so equal records read give positions where
    /// the store's are at or past the sink's (the store's end-of-partition position also skips commit markers and
    /// aborted records). A partition the store has no position in is one it has read nothing of yet.</summary>
    private bool Covers(IReadOnlyDictionary<int, long> stored)
    {
        foreach (var (partition, next) in stored)
            if (!_positions.TryGetValue(partition, out var applied) || applied < next)
                return false;
        return true;
    }

    /// <summary>True when the current version (current_data_version) was live at a check less than
    /// <see cref="FreshFor"/> ago: a request without ?version= then reads live without asking PostgreSQL. The feed checks
    /// every 100 ms, so for up to that long after a promote such requests still read live (as they would have just before).</summary>
    public bool LiveIsCurrent =>
        _liveIsCurrent && Environment.TickCount64 - Interlocked.Read(ref _versionCheckedMs) < FreshFor.TotalMilliseconds;

    public void NoteCurrentVersion(string? version)
    {
        _liveIsCurrent = version == DataVersion.Live.Name;
        Interlocked.Exchange(ref _versionCheckedMs, Environment.TickCount64);
    }

    public void MarkCaughtUp() => Interlocked.Exchange(ref _caughtUpMs, Environment.TickCount64);

    public void MarkContact() => Interlocked.Exchange(ref _contactMs, Environment.TickCount64);

    /// <summary>Applies one record of the candles topic (already checked as the sink checks it).</summary>
    public void Apply(string instrument, string interval, short source, StoredCandle candle)
    {
        var all = _series;
        if (all is null)
            return;
        // A series absent from the snapshot had no rows then: everything it has since came through the topic.
        all.GetOrAdd((instrument, interval, source), _ => new RecentCandleSeries([], depth, complete: true)).Apply(candle);
    }

    /// <summary>The answer of a /candles request from memory, or null when PostgreSQL must answer it.</summary>
    public CandleWindow? TryRead(string instrument, CandleRequest request, string version)
    {
        if (depth == 0)
            return null;
        var all = _series;
        if (version != DataVersion.Live.Name || all is null || !Serving)
        {
            Interlocked.Increment(ref _misses);
            return null;
        }
        // No series: the instrument has no candles of this interval and source at all (the snapshot and the topic
        // since hold every row); answer from an empty, complete series.
        var series = all.TryGetValue((instrument, request.Interval.Name, request.Source), out var s)
            ? s
            : new RecentCandleSeries([], depth, complete: true);
        var window = series.TryRead(request.Interval, request.Range, request.From, request.Fill);
        Interlocked.Increment(ref window is null ? ref _misses : ref _hits);
        return window;
    }
}
