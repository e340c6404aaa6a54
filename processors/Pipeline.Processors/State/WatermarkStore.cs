// Each instrument's newest event time and the spans of candles dropped past the revision horizon. Shares the
// aggregator changelog with the candles under the key "{instrument}|watermark". Value: the newest event time
// (8 bytes), version byte 1, the spans per interval; a value of 8 bytes alone is the first format (time only).
using System.Text;

namespace Pipeline.Processors.State;

public sealed class WatermarkStore(string topic, InstrumentStates states) : IStateStore
{
    private static readonly byte[] Suffix = "|watermark"u8.ToArray();

    public string Name => "watermarks";

    public string Topic { get; } = topic;

    public static bool IsWatermarkKey(ReadOnlySpan<byte> key) => key.EndsWith(Suffix);

    public bool Owns(ReadOnlySpan<byte> key) => IsWatermarkKey(key);

    /// <summary>The watermark key codec.</summary>
    public static byte[] EncodeKey(string instrument) => Encoding.UTF8.GetBytes(instrument + "|watermark");

    public static string DecodeKey(byte[] key) => Encoding.UTF8.GetString(key, 0, key.Length - Suffix.Length);

    public void Flush(InstrumentState s, List<OutputRecord> output)
    {
        if (s.Aggregator.TakeMetaChange())
            output.Add(new(Topic, s.Partition, EncodeKey(s.Key), s.Aggregator.SerializeMeta(), null));
    }

    public void Restore(int partition, byte[] key, byte[]? value)
    {
        if (value is not null)
            states.Of(DecodeKey(key), partition).Aggregator.RestoreMeta(value);
    }

    public void Forget(InstrumentState s) { }
}
