// The validator's state per instrument (seen trade ids, price reference). Key: the instrument key (UTF-8).
// Value: ValidatorState's format (version byte 3; 2 still reads).
using System.Text;
using Pipeline.Processors.Validation;

namespace Pipeline.Processors.State;

public sealed class ValidatorStore(string topic, InstrumentStates states, int dedupeWindow) : IStateStore
{
    private readonly DirtySet<InstrumentState> _dirty = new();

    public string Name => "validator";

    public string Topic { get; } = topic;

    public bool Owns(ReadOnlySpan<byte> key) => true;

    public void Changed(InstrumentState s) => _dirty.Changed(s);

    public void Flush(InstrumentState s, List<OutputRecord> output)
    {
        if (_dirty.TakeChanged(s))
            output.Add(new(Topic, s.Partition, s.KeyBytes, s.Validator.Serialize(), null));
    }

    public void Forget(InstrumentState s) => _dirty.TakeChanged(s);

    public void Restore(int partition, byte[] key, byte[]? value)
    {
        var s = states.Of(Encoding.UTF8.GetString(key), partition);
        if (value is not null)
            s.Validator = ValidatorState.Deserialize(value, dedupeWindow);
    }
}
