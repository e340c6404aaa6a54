namespace Pipeline.Processors.Indicators;

/// <summary>The part of a closed candle indicators read (exact decimals, as the candle carries them).</summary>
public readonly record struct Bar(long OpenTimeUs, decimal Open, decimal High, decimal Low, decimal Close, decimal Volume);
