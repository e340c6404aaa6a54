namespace Pipeline.Producers.Connectors;

/// <summary>Counters of one listing's connection, read by tests and logs. <see cref="ConnectorMetrics"/> exports per venue
/// the connection, gap, backfill and malformed-frame counts; frames, trades, candles and duplicates dropped are not
/// exported (records published are counted by the publisher).</summary>
public sealed class ConnectionStats
{
    private long _frames,
        _malformed,
        _trades,
        _candles,
        _connects,
        _backfilled,
        _gaps,
        _unfilled,
        _duplicates;
    private int _connected;

    public ConnectionStats(string venue = "")
    {
        Venue = venue;
        if (venue.Length > 0)
            ConnectorMetrics.Track(this);
    }

    public string Venue { get; }
    public bool IsConnected => Volatile.Read(ref _connected) == 1;
    public long Frames => Interlocked.Read(ref _frames);
    public long MalformedFrames => Interlocked.Read(ref _malformed);
    public long Trades => Interlocked.Read(ref _trades);
    public long Candles => Interlocked.Read(ref _candles);
    public long Connects => Interlocked.Read(ref _connects);
    public long BackfilledRecords => Interlocked.Read(ref _backfilled);
    public long Gaps => Interlocked.Read(ref _gaps);
    public long UnfilledGaps => Interlocked.Read(ref _unfilled);
    public long DuplicatesDropped => Interlocked.Read(ref _duplicates);

    internal void Frame() => Interlocked.Increment(ref _frames);

    internal void Trade() => Interlocked.Increment(ref _trades);

    internal void Candle() => Interlocked.Increment(ref _candles);

    internal void Duplicate() => Interlocked.Increment(ref _duplicates);

    internal void Malformed()
    {
        Interlocked.Increment(ref _malformed);
        ConnectorMetrics.MalformedFrame(Venue);
    }

    internal void Connected()
    {
        Interlocked.Increment(ref _connects);
        Volatile.Write(ref _connected, 1);
        ConnectorMetrics.Connected(Venue);
    }

    internal void Disconnected() => Volatile.Write(ref _connected, 0);

    internal void Backfilled()
    {
        Interlocked.Increment(ref _backfilled);
        ConnectorMetrics.Backfill(Venue);
    }

    internal void Gap()
    {
        Interlocked.Increment(ref _gaps);
        ConnectorMetrics.Gap(Venue);
    }

    internal void Unfilled()
    {
        Interlocked.Increment(ref _unfilled);
        ConnectorMetrics.Unfilled(Venue);
    }
}
