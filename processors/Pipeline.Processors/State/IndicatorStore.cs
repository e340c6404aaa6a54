// The indicator series per instrument and interval. Key: "{instrument}|{interval}" (UTF-8); value: IndicatorSeries'
// format (version byte 2; 1 still reads, see IndicatorSeries.Deserialize).
using System.Text;
using Pipeline.Processors.Indicators;
using Pipeline.Schemas;

namespace Pipeline.Processors.State;

public sealed class IndicatorStore(
    string topic,
    InstrumentStates states,
    IReadOnlyList<string> specs,
    Func<CandleInterval, int> historyCapacity
) : IStateStore
{
    private readonly DirtySet<(InstrumentState, int Interval)> _dirty = new();

    public string Name => "indicators";

    public string Topic { get; } = topic;

    public bool Owns(ReadOnlySpan<byte> key) => true;

    /// <summary>The indicator key codec.</summary>
    public static byte[] EncodeKey(string instrument, CandleInterval interval) => Encoding.UTF8.GetBytes($"{instrument}|{interval.Name}");

    public static (string Instrument, CandleInterval Interval) DecodeKey(byte[] key)
    {
        var k = Encoding.UTF8.GetString(key);
        var bar = k.IndexOf('|');
        var interval = bar < 0 ? null : CandleInterval.Find(k[(bar + 1)..]);
        if (interval is null)
            throw new InvalidDataException($"indicator changelog key {k}: expected instrument|interval");
        return (k[..bar], interval);
    }

    public void Changed(InstrumentState s, CandleInterval interval) => _dirty.Changed((s, interval.Index));

    public void Flush(InstrumentState s, List<OutputRecord> output)
    {
        if (_dirty.IsEmpty)
            return;
        for (var i = 0; i < s.Series.Length; i++)
            if (_dirty.TakeChanged((s, i)))
                output.Add(new(Topic, s.Partition, EncodeKey(s.Key, CandleInterval.All[i]), s.Series[i]!.Serialize(), null));
    }

    public void Restore(int partition, byte[] key, byte[]? value)
    {
        var (instrument, interval) = DecodeKey(key);
        // A series written with other indicators (the configuration changed) keeps the ones still configured.
        states.Of(instrument, partition).Series[interval.Index] = value is null
            ? null
            : IndicatorSeries.Deserialize(value, specs, historyCapacity(interval));
    }

    public void Forget(InstrumentState s)
    {
        for (var i = 0; i < s.Series.Length; i++)
            _dirty.TakeChanged((s, i));
    }
}
