// The open segment of one partition: the records read since Start, not yet archived.
using System.Diagnostics;
using Confluent.Kafka;

namespace Pipeline.Archive;

internal sealed class SegmentBuffer(int partition, long start)
{
    public int Partition { get; } = partition;

    /// <summary>First offset the segment covers: where reading started, so gaps (transaction markers) belong to a segment.</summary>
    public long Start { get; private set; } = start;

    /// <summary>Set while rewriting a segment whose manifest was written but whose files may be missing: the segment must
    /// end exactly here so the same objects are written again.</summary>
    public long? RedoThrough { get; set; }
    public List<ConsumeResult<byte[]?, byte[]?>> Records { get; } = new();
    public long Bytes { get; private set; }
    public long LastOffset { get; private set; } = start - 1;
    private long _openedAt;

    public void Add(ConsumeResult<byte[]?, byte[]?> record)
    {
        if (Records.Count == 0)
            _openedAt = Stopwatch.GetTimestamp();
        Records.Add(record);
        Bytes += record.Message.Value?.Length ?? 0;
        LastOffset = record.Offset.Value;
    }

    public TimeSpan Age => Records.Count == 0 ? TimeSpan.Zero : Stopwatch.GetElapsedTime(_openedAt);

    public void Reset(long nextStart)
    {
        Records.Clear();
        Bytes = 0;
        Start = nextStart;
        LastOffset = nextStart - 1;
        RedoThrough = null;
    }
}
