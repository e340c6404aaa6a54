// One validated trade as the aggregator takes it: price and size as integer mantissas with decimal scales
// (48 bytes, so millions stream through a core's caches); decimals too large for 63-bit mantissas ride along boxed.
using Pipeline.Schemas.V1;

namespace Pipeline.Processors.Candles;

public readonly struct TradeTick
{
    private readonly Wide? _wide;

    public TradeTick(decimal price, decimal size, AggressorSide aggressor, long eventUs, long tradeId, Origin origin)
    {
        EventUs = eventUs;
        TradeId = tradeId;
        Aggressor = aggressor;
        Origin = origin;
        FastPath =
            TryMantissa(price, out PriceMantissa, out PriceScale) & TryMantissa(size, out SizeMantissa, out SizeScale)
            && PriceScale + SizeScale <= 28;
        _wide = FastPath ? null : new Wide(price, size);
    }

    /// <summary>Price and size as integer mantissas with their decimal scales (price = PriceMantissa / 10^PriceScale).</summary>
    public readonly long PriceMantissa,
        SizeMantissa;
    public readonly long EventUs,
        TradeId;
    public readonly byte PriceScale,
        SizeScale;
    public readonly AggressorSide Aggressor;
    public readonly Origin Origin;

    /// <summary>False when a mantissa does not fit 63 bits: the trade takes the decimal path.</summary>
    public readonly bool FastPath;

    public decimal Price => _wide?.Price ?? new decimal((int)(uint)PriceMantissa, (int)(uint)(PriceMantissa >> 32), 0, false, PriceScale);
    public decimal Size => _wide?.Size ?? new decimal((int)(uint)SizeMantissa, (int)(uint)(SizeMantissa >> 32), 0, false, SizeScale);

    private sealed record Wide(decimal Price, decimal Size);

    private static bool TryMantissa(decimal d, out long mantissa, out byte scale)
    {
        Span<int> bits = stackalloc int[4];
        decimal.GetBits(d, bits);
        scale = (byte)((bits[3] >> 16) & 0xFF);
        mantissa = (long)(((ulong)(uint)bits[1] << 32) | (uint)bits[0]);
        return bits[2] == 0 && bits[1] >= 0 && bits[3] >= 0;
    }
}
