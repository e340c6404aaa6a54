// Records consumed since the last write, grouped by partition so a revoked partition's share can be dropped.
using Confluent.Kafka;
using Google.Protobuf;
using Pipeline.Schemas.V1;

namespace Pipeline.Sinks;

internal sealed class SinkBatch
{
    private readonly Dictionary<TopicPartition, PartitionSlice> _slices = new();

    public IReadOnlyDictionary<TopicPartition, PartitionSlice> Slices => _slices;
    public int Count { get; private set; }

    /// <summary>When the first record of this batch arrived (for the linger deadline).</summary>
    public DateTime? StartedAt { get; private set; }
    public bool IsEmpty => _slices.Count == 0;

    public void Add(TopicPartitionOffset position, IMessage record)
    {
        if (!_slices.TryGetValue(position.TopicPartition, out var slice))
            _slices[position.TopicPartition] = slice = new PartitionSlice(position.Offset.Value);
        switch (record)
        {
            case Trade t:
                slice.AddTrade(t);
                break;
            case Candle c:
                slice.Candles.Add(c);
                slice.NoteInstrument(c.Instrument);
                slice.NoteCandleTime(c.OpenTimeUs);
                break;
            case IndicatorValue i:
                slice.Indicators.Add(i);
                slice.NoteInstrument(i.Instrument);
                break;
            case DeadLetter d:
                slice.DeadLetters.Add(d);
                break;
            default:
                throw new ArgumentException($"the sink cannot store {record.Descriptor.FullName}", nameof(record));
        }
        slice.NextOffset = position.Offset.Value + 1;
        StartedAt ??= DateTime.UtcNow;
        Count++;
    }

    /// <summary>Forgets what came from partitions this sink no longer owns: their new owner reads them again
    /// from the stored position, so keeping them would write them twice.</summary>
    public void Drop(IEnumerable<TopicPartition> partitions)
    {
        foreach (var tp in partitions)
            if (_slices.Remove(tp, out var slice))
                Count -= slice.Trades.Count + slice.Candles.Count + slice.Indicators.Count + slice.DeadLetters.Count;
        if (_slices.Count == 0)
            Clear();
    }

    public void Clear()
    {
        _slices.Clear();
        Count = 0;
        StartedAt = null;
    }
}
