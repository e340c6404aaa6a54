// The records of one batch that came from one Kafka partition, with the offset range they cover.
using Pipeline.Schemas.V1;

namespace Pipeline.Sinks;

internal sealed class PartitionSlice(long firstOffset)
{
    public long FirstOffset { get; } = firstOffset;
    /// <summary>The position to store once this slice is written: last consumed offset + 1.</summary>
    public long NextOffset { get; set; } = firstOffset;
    public List<Trade> Trades { get; } = new();
    public List<Candle> Candles { get; } = new();
    public List<IndicatorValue> Indicators { get; } = new();
    public List<DeadLetter> DeadLetters { get; } = new();
    /// <summary>How many of <see cref="DeadLetters"/> Kafka has acknowledged (a retried write does not resend them).</summary>
    public int DeadLettersSent { get; set; }
}
