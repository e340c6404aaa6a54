// One candle being built (or kept revisable after close): exact System.Decimal sums, order-independent updates.
using Pipeline.Schemas;
using Pipeline.Schemas.V1;
using ProtoDecimal = Pipeline.Schemas.V1.Decimal;

namespace Pipeline.Processors.Candles;

public sealed class CandleState
{
    public CandleState(CandleInterval interval, long openTimeUs)
    {
        Interval = interval;
        OpenTimeUs = openTimeUs;
    }

    public CandleInterval Interval { get; }
    public long OpenTimeUs { get; }
    public long CloseTimeUs => OpenTimeUs + Interval.DurationUs;

    public decimal Open,
        High,
        Low,
        Close,
        Volume,
        QuoteVolume,
        TakerBuyVolume,
        TakerBuyQuoteVolume;

    // Open and close are the earliest and latest trades by (event time, trade id), so the result does not
    // depend on arrival order: a late trade with an earlier time becomes the open.
    public long OpenEventUs,
        OpenTradeId,
        CloseEventUs,
        CloseTradeId;
    public long TradeCount,
        FirstTradeId,
        LastTradeId;
    public bool HasAggressor;
    public Origin Origin;
    public bool Closed;
    public int Revision;

    /// <summary>Processing time of the last open-candle update emitted (throttling), not persisted.</summary>
    public long LastEmitUs = long.MinValue;

    /// <summary>An open update is waiting for the throttle.</summary>
    public bool PendingUpdate;

    public void Apply(decimal price, decimal size, decimal quote, AggressorSide aggressor, long eventUs, long tradeId, Origin origin)
    {
        if (TradeCount == 0)
        {
            Open = High = Low = Close = price;
            OpenEventUs = CloseEventUs = eventUs;
            OpenTradeId = CloseTradeId = FirstTradeId = LastTradeId = tradeId;
        }
        else
        {
            if (price > High)
                High = price;
            if (price < Low)
                Low = price;
            if (eventUs < OpenEventUs || (eventUs == OpenEventUs && tradeId < OpenTradeId))
            {
                Open = price;
                OpenEventUs = eventUs;
                OpenTradeId = tradeId;
            }
            if (eventUs > CloseEventUs || (eventUs == CloseEventUs && tradeId > CloseTradeId))
            {
                Close = price;
                CloseEventUs = eventUs;
                CloseTradeId = tradeId;
            }
            if (tradeId < FirstTradeId)
                FirstTradeId = tradeId;
            if (tradeId > LastTradeId)
                LastTradeId = tradeId;
        }
        Volume += size;
        QuoteVolume += quote;
        if (aggressor != AggressorSide.Unspecified)
            HasAggressor = true;
        if (aggressor == AggressorSide.Buy)
        {
            TakerBuyVolume += size;
            TakerBuyQuoteVolume += quote;
        }
        TradeCount++;
        Origin = origin;
    }

    /// <summary>Folds in the trades summed in a delta (same result as applying them one by one).</summary>
    internal void Merge(in TradeDelta d)
    {
        if (d.Count == 0)
            return;
        var open = TradeDelta.ToDecimal(d.Open, d.PriceScale, d.OpenScale);
        var close = TradeDelta.ToDecimal(d.Close, d.PriceScale, d.CloseScale);
        var high = TradeDelta.ToDecimal(d.High, d.PriceScale, d.HighScale);
        var low = TradeDelta.ToDecimal(d.Low, d.PriceScale, d.LowScale);
        if (TradeCount == 0)
        {
            Open = open;
            High = high;
            Low = low;
            Close = close;
            OpenEventUs = d.OpenEventUs;
            OpenTradeId = d.OpenTradeId;
            CloseEventUs = d.CloseEventUs;
            CloseTradeId = d.CloseTradeId;
            FirstTradeId = d.FirstTradeId;
            LastTradeId = d.LastTradeId;
        }
        else
        {
            if (high > High)
                High = high;
            if (low < Low)
                Low = low;
            if (d.OpenEventUs < OpenEventUs || (d.OpenEventUs == OpenEventUs && d.OpenTradeId < OpenTradeId))
            {
                Open = open;
                OpenEventUs = d.OpenEventUs;
                OpenTradeId = d.OpenTradeId;
            }
            if (d.CloseEventUs > CloseEventUs || (d.CloseEventUs == CloseEventUs && d.CloseTradeId > CloseTradeId))
            {
                Close = close;
                CloseEventUs = d.CloseEventUs;
                CloseTradeId = d.CloseTradeId;
            }
            if (d.FirstTradeId < FirstTradeId)
                FirstTradeId = d.FirstTradeId;
            if (d.LastTradeId > LastTradeId)
                LastTradeId = d.LastTradeId;
        }
        var quoteScale = (byte)(d.PriceScale + d.SizeScale);
        Volume += TradeDelta.ToDecimal(d.Volume, d.SizeScale, d.VolumeScale);
        QuoteVolume += TradeDelta.ToDecimal(d.Quote, quoteScale, d.QuoteScale);
        if (d.HasAggressor)
        {
            HasAggressor = true;
            TakerBuyVolume += TradeDelta.ToDecimal(d.TakerVolume, d.SizeScale, d.TakerVolumeScale);
            TakerBuyQuoteVolume += TradeDelta.ToDecimal(d.TakerQuote, quoteScale, d.TakerQuoteScale);
        }
        TradeCount += d.Count;
        Origin = d.Origin;
    }

    public Candle ToMessage(InstrumentRef instrument) =>
        new()
        {
            Instrument = instrument,
            Interval = Interval.Name,
            OpenTimeUs = OpenTimeUs,
            CloseTimeUs = CloseTimeUs,
            Open = ProtoDecimal.From(Open),
            High = ProtoDecimal.From(High),
            Low = ProtoDecimal.From(Low),
            Close = ProtoDecimal.From(Close),
            Volume = ProtoDecimal.From(Volume),
            QuoteVolume = ProtoDecimal.From(QuoteVolume),
            TradeCount = TradeCount,
            TakerBuyVolume = HasAggressor ? ProtoDecimal.From(TakerBuyVolume) : null,
            TakerBuyQuoteVolume = HasAggressor ? ProtoDecimal.From(TakerBuyQuoteVolume) : null,
            Vwap = Volume == 0 ? null : ProtoDecimal.From(Vwap()),
            FirstTradeId = FirstTradeId,
            LastTradeId = LastTradeId,
            Closed = Closed,
            Revision = Revision,
            Source = CandleSource.Aggregated,
            Origin = Origin,
        };

    /// <summary>quote_volume / volume, rounded by System.Decimal (28 significant digits).</summary>
    public decimal Vwap() => QuoteVolume / Volume;

    public void Write(BinaryWriter w)
    {
        w.Write(Open);
        w.Write(High);
        w.Write(Low);
        w.Write(Close);
        w.Write(Volume);
        w.Write(QuoteVolume);
        w.Write(TakerBuyVolume);
        w.Write(TakerBuyQuoteVolume);
        w.Write(OpenEventUs);
        w.Write(OpenTradeId);
        w.Write(CloseEventUs);
        w.Write(CloseTradeId);
        w.Write(TradeCount);
        w.Write(FirstTradeId);
        w.Write(LastTradeId);
        w.Write(HasAggressor);
        w.Write((int)Origin);
        w.Write(Closed);
        w.Write(Revision);
    }

    public static CandleState Read(BinaryReader r, CandleInterval interval, long openTimeUs)
    {
        var c = new CandleState(interval, openTimeUs)
        {
            Open = r.ReadDecimal(),
            High = r.ReadDecimal(),
            Low = r.ReadDecimal(),
            Close = r.ReadDecimal(),
            Volume = r.ReadDecimal(),
            QuoteVolume = r.ReadDecimal(),
            TakerBuyVolume = r.ReadDecimal(),
            TakerBuyQuoteVolume = r.ReadDecimal(),
            OpenEventUs = r.ReadInt64(),
            OpenTradeId = r.ReadInt64(),
            CloseEventUs = r.ReadInt64(),
            CloseTradeId = r.ReadInt64(),
            TradeCount = r.ReadInt64(),
            FirstTradeId = r.ReadInt64(),
            LastTradeId = r.ReadInt64(),
            HasAggressor = r.ReadBoolean(),
            Origin = (Origin)r.ReadInt32(),
            Closed = r.ReadBoolean(),
            Revision = r.ReadInt32(),
        };
        return c;
    }
}
