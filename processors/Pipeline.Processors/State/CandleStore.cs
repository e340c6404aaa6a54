// Open candles and closed ones still revisable, per instrument and interval. Key: "{instrument}|{interval}|{open µs}"
// (UTF-8); value: version byte 1, then CandleState's fields; a tombstone when a candle is dropped past the horizon.
using System.Globalization;
using System.Text;
using Pipeline.Processors.Candles;
using Pipeline.Schemas;

namespace Pipeline.Processors.State;

public sealed class CandleStore(string topic, InstrumentStates states) : IStateStore
{
    private const byte Version = 1;
    private readonly List<CandleState> _changed = new();
    private readonly List<(int Interval, long OpenUs)> _removed = new();

    public string Name => "candles";

    public string Topic { get; } = topic;

    public bool Owns(ReadOnlySpan<byte> key) => !WatermarkStore.IsWatermarkKey(key);

    /// <summary>The candle key codec.</summary>
    public static byte[] EncodeKey(string instrument, CandleInterval interval, long openUs) =>
        Encoding.UTF8.GetBytes($"{instrument}|{interval.Name}|{openUs}");

    public static (string Instrument, CandleInterval Interval, long OpenUs) DecodeKey(byte[] key)
    {
        var k = Encoding.UTF8.GetString(key);
        var parts = k.Split('|');
        if (parts.Length != 3 || !long.TryParse(parts[2], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var open))
            throw new InvalidDataException($"candle changelog key {k}: expected instrument|interval|open");
        var interval = CandleInterval.Find(parts[1]) ?? throw new InvalidDataException($"changelog key {k}: unknown interval");
        return (parts[0], interval, open);
    }

    public void Flush(InstrumentState s, List<OutputRecord> output)
    {
        _changed.Clear();
        _removed.Clear();
        s.Aggregator.TakeChanges(_changed, _removed);
        foreach (var c in _changed)
            output.Add(new(Topic, s.Partition, EncodeKey(s.Key, c.Interval, c.OpenTimeUs), Serialize(c), null));
        foreach (var (i, open) in _removed)
            output.Add(new(Topic, s.Partition, EncodeKey(s.Key, CandleInterval.All[i], open), null, null));
    }

    public void Restore(int partition, byte[] key, byte[]? value)
    {
        var (instrument, interval, open) = DecodeKey(key);
        var state = states.Of(instrument, partition);
        if (value is null)
            state.Aggregator.Forget(interval.Index, open);
        else
            state.Aggregator.Restore(Deserialize(value, interval, open));
    }

    public void Forget(InstrumentState s) { }

    private static byte[] Serialize(CandleState c)
    {
        using var ms = new MemoryStream(160);
        using (var w = new BinaryWriter(ms))
        {
            w.Write(Version);
            c.Write(w);
        }
        return ms.ToArray();
    }

    private static CandleState Deserialize(byte[] data, CandleInterval interval, long open)
    {
        using var r = new BinaryReader(new MemoryStream(data));
        if (r.ReadByte() != Version)
            throw new InvalidDataException("candle state: unknown format version");
        return CandleState.Read(r, interval, open);
    }
}
