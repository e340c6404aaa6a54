// One technical indicator updated one closed candle at a time, with state that can be saved and restored
// (changelog, and the snapshot a revised candle recomputes from).
namespace Pipeline.Processors.Indicators;

public abstract class Indicator
{
    /// <summary>Name with parameters, e.g. "rsi(14)" (the IndicatorValue.indicator field).</summary>
    public abstract string Name { get; }
    public abstract IReadOnlyList<string> Fields { get; }

    /// <summary>Consumes the next bar and returns one value per field; null while warming up.</summary>
    public abstract double?[] Update(in Bar bar);
    public abstract void Write(BinaryWriter w);
    public abstract void Read(BinaryReader r);
    public abstract Indicator CloneEmpty();
}
