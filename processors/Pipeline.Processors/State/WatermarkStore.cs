// Each instrument's newest event time, the spans of candles dropped past the revision horizon and its feed's real-time
// delay. Shares the aggregator changelog with the candles under the key "{instrument}|watermark". Value: the newest
// event time (8 bytes), version byte 2, the spans per interval, the real-time delay (8 bytes, long.MinValue = not real
// time). Still read: version 1 (no delay: not real time) and a value of 8 bytes alone (the first format, time only).
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
        if (s.Aggregator.TakeMetaChange() | TakeRealTimeChange(s))
            output.Add(new(Topic, s.Partition, EncodeKey(s.Key), s.Aggregator.SerializeMeta(s.RealTimeDelayUs), null));
    }

    public void Restore(int partition, byte[] key, byte[]? value)
    {
        if (value is null)
            return;
        var s = states.Of(DecodeKey(key), partition);
        s.RestoreRealTime(s.Aggregator.RestoreMeta(value));
    }

    private static bool TakeRealTimeChange(InstrumentState s)
    {
        var changed = s.RealTimeChanged;
        s.RealTimeChanged = false;
        return changed;
    }

    public void Forget(InstrumentState s) { }
}
