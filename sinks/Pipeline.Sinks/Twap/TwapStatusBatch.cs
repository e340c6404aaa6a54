// The twap.statuses records consumed since the last write, and the position each partition reached.
using Confluent.Kafka;
using Pipeline.Schemas.V1;

namespace Pipeline.Sinks.Twap;

internal sealed class TwapStatusBatch
{
    private readonly List<(TopicPartition Partition, TwapStatus Status)> _statuses = new();
    private readonly List<(TopicPartition Partition, TwapObjectVersion Version)> _versions = new();
    private readonly Dictionary<TopicPartition, long> _next = new();

    public DateTime? StartedAt { get; private set; }
    public int Count => _statuses.Count + _versions.Count;
    public bool IsEmpty => _next.Count == 0;
    public IEnumerable<TwapStatus> Statuses => _statuses.Select(s => s.Status);
    public IEnumerable<TwapObjectVersion> Versions => _versions.Select(v => v.Version);
    public IReadOnlyDictionary<TopicPartition, long> NextOffsets => _next;

    /// <summary>Moves the partition's position past this record (dead letters and skipped records too).</summary>
    public void Advance(TopicPartitionOffset at)
    {
        StartedAt ??= DateTime.UtcNow;
        _next[at.TopicPartition] = at.Offset.Value + 1;
    }

    public void Add(TopicPartitionOffset at, TwapStatus status)
    {
        Advance(at);
        _statuses.Add((at.TopicPartition, status));
    }

    public void Add(TopicPartitionOffset at, TwapObjectVersion version)
    {
        Advance(at);
        _versions.Add((at.TopicPartition, version));
    }

    /// <summary>Forgets the records of partitions this sink no longer owns (the new owner reads them again).</summary>
    public void Drop(IReadOnlyCollection<TopicPartition> partitions)
    {
        var gone = partitions.ToHashSet();
        _statuses.RemoveAll(s => gone.Contains(s.Partition));
        _versions.RemoveAll(v => gone.Contains(v.Partition));
        foreach (var p in gone)
            _next.Remove(p);
        if (_next.Count == 0)
            StartedAt = null;
    }

    public void Clear()
    {
        _statuses.Clear();
        _versions.Clear();
        _next.Clear();
        StartedAt = null;
    }
}
