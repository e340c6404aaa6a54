namespace Pipeline.Broker;

/// <summary>
/// What one partition remembers about one producer id for idempotence: its epoch, last sequence and the last
/// five batches (the most a client keeps in flight), so a retried batch is acknowledged with its first offset.
/// </summary>
internal sealed class ProducerState
{
    public const int Remembered = 5;
    public short Epoch;
    public int LastSequence = -1;
    private readonly (int First, int Last, long BaseOffset)[] _recent = new (int, int, long)[Remembered];
    private int _recentCount,
        _recentNext;

    /// <summary>Sequences wrap from int.MaxValue to 0 (a long-lived producer passes 2^31 records per partition in days).</summary>
    public static int AddSequence(int sequence, int delta) => (int)(((long)sequence + delta) % ((long)int.MaxValue + 1));

    public void Record(int firstSeq, int lastSeq, long baseOffset)
    {
        _recent[_recentNext] = (firstSeq, lastSeq, baseOffset);
        _recentNext = (_recentNext + 1) % Remembered;
        if (_recentCount < Remembered)
            _recentCount++;
        LastSequence = lastSeq;
    }

    public long? FindDuplicate(int firstSeq, int lastSeq)
    {
        for (int i = 0; i < _recentCount; i++)
            if (_recent[i].First == firstSeq && _recent[i].Last == lastSeq)
                return _recent[i].BaseOffset;
        return null;
    }

    public void BumpEpoch(short epoch)
    {
        Epoch = epoch;
        LastSequence = -1;
        _recentCount = 0;
        _recentNext = 0;
    }
}
