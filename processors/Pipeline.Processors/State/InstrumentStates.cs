// The state of every instrument this instance owns, created on first use; the stores and steps share it.
using Pipeline.Plumbing.Configuration;
using Pipeline.Processors.Candles;
using Pipeline.Processors.Validation;
using Pipeline.Schemas;

namespace Pipeline.Processors.State;

public sealed class InstrumentStates(ProcessingOptions options)
{
    private readonly Dictionary<string, InstrumentState> _all = new();

    public IReadOnlyDictionary<string, InstrumentState> All => _all;

    public IEnumerable<InstrumentState> Values => _all.Values;

    public bool TryGet(string key, out InstrumentState state) => _all.TryGetValue(key, out state!);

    public InstrumentState Of(string key, int partition)
    {
        if (!_all.TryGetValue(key, out var s))
        {
            s = new InstrumentState(
                InstrumentKey.Parse(key),
                partition,
                new ValidatorState(options.DedupeWindow),
                new CandleAggregator(options.AllowedLatenessMs * 1000L, options.RevisionHorizonMs * 1000L)
            );
            _all[key] = s;
        }
        return s;
    }

    /// <summary>Forgets the state of instruments on partitions this instance no longer owns.</summary>
    public void DropPartitions(IEnumerable<int> partitions)
    {
        var set = partitions.ToHashSet();
        foreach (var key in _all.Where(e => set.Contains(e.Value.Partition)).Select(e => e.Key).ToList())
            _all.Remove(key);
    }

    public void Clear() => _all.Clear();
}
