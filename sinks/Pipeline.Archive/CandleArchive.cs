// candles.final as Parquet: one row per closed candle (final and each revision), in the folder of its open day.
using Parquet;
using Parquet.Schema;
using Pipeline.Plumbing.Topics;
using Pipeline.Schemas.V1;
using static Pipeline.Archive.ParquetColumns;

namespace Pipeline.Archive;

public sealed class CandleArchive : ArchiveDataset
{
    private static readonly DataField IntervalF = Text("interval"),
        OpenTimeF = Time("open_time"),
        CloseTimeF = Time("close_time"),
        OpenF = Exact("open"),
        HighF = Exact("high"),
        LowF = Exact("low"),
        CloseF = Exact("close"),
        VolumeF = Exact("volume"),
        QuoteVolumeF = Exact("quote_volume"),
        TradeCountF = Long("trade_count"),
        TakerBuyVolumeF = Exact("taker_buy_volume", nullable: true),
        TakerBuyQuoteVolumeF = Exact("taker_buy_quote_volume", nullable: true),
        VwapF = Exact("vwap", nullable: true),
        FirstTradeIdF = Long("first_trade_id"),
        LastTradeIdF = Long("last_trade_id"),
        RevisionF = Int("revision"),
        SourceF = Text("source"),
        OriginF = Text("origin");

    public override string Name => "candles";
    public override string Topic => TopicCatalog.FinalCandles.Name;
    public override string MessageType => Candle.Descriptor.FullName;
    public override ParquetSchema Schema { get; } =
        DatasetSchema(
            IntervalF,
            OpenTimeF,
            CloseTimeF,
            OpenF,
            HighF,
            LowF,
            CloseF,
            VolumeF,
            QuoteVolumeF,
            TradeCountF,
            TakerBuyVolumeF,
            TakerBuyQuoteVolumeF,
            VwapF,
            FirstTradeIdF,
            LastTradeIdF,
            RevisionF,
            SourceF,
            OriginF
        );

    public override ArchiveRecord Decode(int partition, long offset, byte[] value)
    {
        var c = Parse(Candle.Parser, value);
        if (
            c.Instrument is null
            || c.Open is null
            || c.High is null
            || c.Low is null
            || c.Close is null
            || c.Volume is null
            || c.QuoteVolume is null
        )
            throw new FormatException("candle without instrument or prices");
        foreach (
            var (d, what) in new[]
            {
                (c.Open, "open"),
                (c.High, "high"),
                (c.Low, "low"),
                (c.Close, "close"),
                (c.Volume, "volume"),
                (c.QuoteVolume, "quote_volume"),
                (c.TakerBuyVolume, "taker_buy_volume"),
                (c.TakerBuyQuoteVolume, "taker_buy_quote_volume"),
                (c.Vwap, "vwap"),
            }
        )
            if (d is not null)
                CheckExact(d, what);
        return new ArchiveRecord(partition, offset, HivePartition.Of(c.Instrument, c.OpenTimeUs), c);
    }

    public override async Task WriteRowGroupAsync(
        ParquetRowGroupWriter rg,
        IReadOnlyList<ArchiveRecord> rows,
        Dictionary<string, (long Min, long Max)> times,
        CancellationToken ct
    )
    {
        static Candle C(ArchiveRecord r) => (Candle)r.Message;
        await Instrument(rg, rows, r => C(r).Instrument);
        await Strings(rg, IntervalF, rows, r => C(r).Interval);
        await Times(rg, OpenTimeF, rows, r => C(r).OpenTimeUs, ct, times);
        await Times(rg, CloseTimeF, rows, r => C(r).CloseTimeUs, ct, times);
        await Values(rg, OpenF, rows, r => C(r).Open.ToDecimal(), ct);
        await Values(rg, HighF, rows, r => C(r).High.ToDecimal(), ct);
        await Values(rg, LowF, rows, r => C(r).Low.ToDecimal(), ct);
        await Values(rg, CloseF, rows, r => C(r).Close.ToDecimal(), ct);
        await Values(rg, VolumeF, rows, r => C(r).Volume.ToDecimal(), ct);
        await Values(rg, QuoteVolumeF, rows, r => C(r).QuoteVolume.ToDecimal(), ct);
        await Values(rg, TradeCountF, rows, r => C(r).TradeCount, ct);
        await Nullable(rg, TakerBuyVolumeF, rows, r => C(r).TakerBuyVolume?.ToDecimal(), ct);
        await Nullable(rg, TakerBuyQuoteVolumeF, rows, r => C(r).TakerBuyQuoteVolume?.ToDecimal(), ct);
        await Nullable(rg, VwapF, rows, r => C(r).Vwap?.ToDecimal(), ct);
        await Values(rg, FirstTradeIdF, rows, r => C(r).FirstTradeId, ct);
        await Values(rg, LastTradeIdF, rows, r => C(r).LastTradeId, ct);
        await Values(rg, RevisionF, rows, r => C(r).Revision, ct);
        await Strings(rg, SourceF, rows, r => C(r).Source.ToString().ToLowerInvariant());
        await Strings(rg, OriginF, rows, r => C(r).Origin.ToString().ToLowerInvariant());
        await Position(rg, rows, ct);
    }
}
