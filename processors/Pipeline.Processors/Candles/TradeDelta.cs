// The trades of an instrument's current minute since they were last folded into its candles, summed in 128-bit
// integers at one fixed scale: a trade costs a few integer operations instead of 14 decimal candle updates.
// The scale each figure would have had in System.Decimal is tracked too, so folding in gives the very same
// decimals (trailing zeros included) as adding the trades one by one.
using Pipeline.Schemas.V1;

namespace Pipeline.Processors.Candles;

internal struct TradeDelta
{
    // Folded into the candles before any sum could leave the 96 bits System.Decimal holds.
    private const long LimitHigh = 1L << 30; // 2^94 as the upper 64 bits of a 128-bit sum
    private const byte MinScale = 8;
    private static readonly long[] Pow10 = Enumerable.Range(0, 19).Select(i => (long)Math.Pow(10, i)).ToArray();
    private static readonly long[] MaxBeforeScaling = Pow10.Select(p => long.MaxValue / p).ToArray();

    public bool Active;
    public long MinuteOpenUs,
        MinuteEndUs;
    public byte PriceScale,
        SizeScale;
    public long Open,
        High,
        Low,
        Close;
    public byte OpenScale,
        HighScale,
        LowScale,
        CloseScale,
        VolumeScale,
        QuoteScale,
        TakerVolumeScale,
        TakerQuoteScale;
    public long OpenEventUs,
        OpenTradeId,
        CloseEventUs,
        CloseTradeId;
    public Int128 Volume,
        Quote,
        TakerVolume,
        TakerQuote;
    public long Count,
        FirstTradeId,
        LastTradeId;
    public bool HasAggressor;
    public Origin Origin;

    public void Start(long minuteOpenUs, long minuteEndUs, in TradeTick t)
    {
        this = default;
        Active = true;
        MinuteOpenUs = minuteOpenUs;
        MinuteEndUs = minuteEndUs;
        PriceScale = Math.Max(t.PriceScale, MinScale);
        SizeScale = Math.Max(t.SizeScale, MinScale);
    }

    /// <summary>Adds the trade when it fits this delta (same minute, scale not above the delta's, sums in range); false
    /// otherwise.</summary>
    public bool TryAdd(in TradeTick t)
    {
        if (
            t.EventUs < MinuteOpenUs
            || t.EventUs >= MinuteEndUs
            || !t.FastPath
            || t.PriceScale > PriceScale
            || t.SizeScale > SizeScale
            || PriceScale + SizeScale > 28
        )
            return false;
        int kp = PriceScale - t.PriceScale,
            ks = SizeScale - t.SizeScale;
        if (kp > 18 || ks > 18 || t.PriceMantissa > MaxBeforeScaling[kp] || t.SizeMantissa > MaxBeforeScaling[ks])
            return false;
        var p = t.PriceMantissa * Pow10[kp];
        var size = t.SizeMantissa * Pow10[ks];
        var quoteHigh = Math.BigMul(p, size, out long quoteLow);
        if (quoteHigh >= LimitHigh || (long)(Quote >> 64) >= LimitHigh || (long)(Volume >> 64) >= LimitHigh)
            return false;
        var quote = new Int128((ulong)quoteHigh, (ulong)quoteLow);
        var quoteScale = (byte)(t.PriceScale + t.SizeScale);
        if (Count == 0)
        {
            Open = High = Low = Close = p;
            OpenScale = HighScale = LowScale = CloseScale = t.PriceScale;
            OpenEventUs = CloseEventUs = t.EventUs;
            OpenTradeId = CloseTradeId = FirstTradeId = LastTradeId = t.TradeId;
        }
        else
        {
            if (p > High)
            {
                High = p;
                HighScale = t.PriceScale;
            }
            if (p < Low)
            {
                Low = p;
                LowScale = t.PriceScale;
            }
            if (t.EventUs < OpenEventUs || (t.EventUs == OpenEventUs && t.TradeId < OpenTradeId))
            {
                Open = p;
                OpenScale = t.PriceScale;
                OpenEventUs = t.EventUs;
                OpenTradeId = t.TradeId;
            }
            if (t.EventUs > CloseEventUs || (t.EventUs == CloseEventUs && t.TradeId > CloseTradeId))
            {
                Close = p;
                CloseScale = t.PriceScale;
                CloseEventUs = t.EventUs;
                CloseTradeId = t.TradeId;
            }
            if (t.TradeId < FirstTradeId)
                FirstTradeId = t.TradeId;
            if (t.TradeId > LastTradeId)
                LastTradeId = t.TradeId;
        }
        Volume += size;
        Quote += quote;
        if (t.SizeScale > VolumeScale)
            VolumeScale = t.SizeScale;
        if (quoteScale > QuoteScale)
            QuoteScale = quoteScale;
        if (t.Aggressor != AggressorSide.Unspecified)
        {
            HasAggressor = true;
            if (t.Aggressor == AggressorSide.Buy)
            {
                TakerVolume += size;
                TakerQuote += quote;
                if (t.SizeScale > TakerVolumeScale)
                    TakerVolumeScale = t.SizeScale;
                if (quoteScale > TakerQuoteScale)
                    TakerQuoteScale = quoteScale;
            }
        }
        Count++;
        Origin = t.Origin;
        return true;
    }

    /// <summary>The decimal of a mantissa at <paramref name="scale"/>, written with <paramref name="targetScale"/> decimals
    /// (exact: every contribution had at most that many).</summary>
    public static decimal ToDecimal(Int128 mantissa, byte scale, byte targetScale)
    {
        var d = new decimal((int)(uint)mantissa, (int)(uint)(mantissa >> 32), (int)(uint)(mantissa >> 64), false, scale);
        return targetScale < scale ? decimal.Round(d, targetScale) : d;
    }
}
