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
    private int _recentCount, _recentNext;

    public void Record(int firstSeq, int lastSeq, long baseOffset)
    {
        _recent[_recentNext] = (firstSeq, lastSeq, baseOffset);
        _recentNext = (_recentNext + 1) % Remembered;
        if (_recentCount < Remembered) _recentCount++;
        LastSequence = lastSeq;
    }

    public long? FindDuplicate(int firstSeq, int lastSeq)
    {
        for (int i = 0; i < _recentCount; i++)
            if (_recent[i].First == firstSeq && _recent[i].Last == lastSeq) return _recent[i].BaseOffset;
        return null;
    }

    /// <summary>True when the sequence lies inside what was already written (an older retry than we remember).</summary>
    public bool IsOlder(int firstSeq) => LastSequence >= 0 && firstSeq <= LastSequence && LastSequence - firstSeq < int.MaxValue / 2;

    public void BumpEpoch(short epoch)
    {
        Epoch = epoch;
        LastSequence = -1;
        _recentCount = 0;
        _recentNext = 0;
    }
}
