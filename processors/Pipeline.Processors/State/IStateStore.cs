// A named piece of processor state with its own changelog: how its keys and values are written (codec, serializer,
// format version) and which keys changed since the last flush (its DirtySet). The processor's Flush and Restore are
// loops over its stores; a store's records go to the changelog partition of the instrument's input partition.
namespace Pipeline.Processors.State;

public interface IStateStore
{
    /// <summary>The store's name in logs and docs ("validator", "candles", "watermarks", "indicators").</summary>
    string Name { get; }

    /// <summary>The changelog topic it writes (two stores may share one; <see cref="Owns"/> tells their keys apart).</summary>
    string Topic { get; }

    /// <summary>True when a changelog key of <see cref="Topic"/> belongs to this store.</summary>
    bool Owns(ReadOnlySpan<byte> key);

    /// <summary>Appends the changelog records of <paramref name="instrument"/>'s state changed since the last flush.</summary>
    void Flush(InstrumentState instrument, List<OutputRecord> output);

    /// <summary>Drops the marks of an instrument whose partition this instance no longer owns.</summary>
    void Forget(InstrumentState instrument);

    /// <summary>Loads one changelog record (latest wins; a null value deletes).</summary>
    void Restore(int partition, byte[] key, byte[]? value);
}
