// The one way state is marked for the changelog: a store's keys changed (write the current value) or deleted
// (write a tombstone) since its last flush. Marking again is idempotent; a delete overrides a change.
namespace Pipeline.Processors;

public sealed class DirtySet<TKey>
    where TKey : notnull
{
    private readonly HashSet<TKey> _changed = new();
    private readonly HashSet<TKey> _deleted = new();

    public bool IsEmpty => _changed.Count == 0 && _deleted.Count == 0;

    public void Changed(TKey key) => _changed.Add(key);

    public void Deleted(TKey key)
    {
        _changed.Remove(key);
        _deleted.Add(key);
    }

    /// <summary>True (and unmarked) when <paramref name="key"/> was changed since the last take.</summary>
    public bool TakeChanged(TKey key) => _changed.Remove(key);

    /// <summary>Moves every mark into the lists (changed first, then deleted) and clears the set.</summary>
    public void TakeAll(List<TKey> changed, List<TKey> deleted)
    {
        changed.AddRange(_changed);
        deleted.AddRange(_deleted);
        _changed.Clear();
        _deleted.Clear();
    }
}
