namespace Pipeline.Producers.Connectors;

/// <summary>Counters of one listing's connection (also exported as metrics), read by tests and logs.</summary>
public sealed class ConnectionStats
{
    private long _frames, _malformed, _trades, _candles, _connects, _backfilled, _gaps, _unfilled, _duplicates;

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
    internal void Malformed() => Interlocked.Increment(ref _malformed);
    internal void Trade() => Interlocked.Increment(ref _trades);
    internal void Candle() => Interlocked.Increment(ref _candles);
    internal void Connected() => Interlocked.Increment(ref _connects);
    internal void Backfilled() => Interlocked.Increment(ref _backfilled);
    internal void Gap() => Interlocked.Increment(ref _gaps);
    internal void Unfilled() => Interlocked.Increment(ref _unfilled);
    internal void Duplicate() => Interlocked.Increment(ref _duplicates);
}
