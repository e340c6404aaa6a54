// trades.valid as Parquet: one row per trade, in the folder of its instrument and event day.
using Parquet;
using Parquet.Schema;
using Pipeline.Plumbing.Topics;
using Pipeline.Schemas.V1;
using static Pipeline.Archive.ParquetColumns;

namespace Pipeline.Archive;

public sealed class TradeArchive : ArchiveDataset
{
    private static readonly DataField TradeIdF = Long("trade_id"),
        PriceF = Exact("price"),
        SizeF = Exact("size"),
        AggressorF = Text("aggressor", nullable: true),
        EventTimeF = Time("event_time"),
        ReceiveTimeF = Time("receive_time"),
        OriginF = Text("origin"),
        VenueSymbolF = Text("venue_symbol");

    public override string Name => "trades";
    public override string Topic => TopicCatalog.ValidTrades.Name;
    public override string MessageType => Trade.Descriptor.FullName;
    public override ParquetSchema Schema { get; } =
        DatasetSchema(TradeIdF, PriceF, SizeF, AggressorF, EventTimeF, ReceiveTimeF, OriginF, VenueSymbolF);

    public override ArchiveRecord Decode(int partition, long offset, byte[] value)
    {
        var t = Parse(Trade.Parser, value);
        if (t.Instrument is null || t.Price is null || t.Size is null)
            throw new FormatException("trade without instrument, price or size");
        CheckExact(t.Price, "price");
        CheckExact(t.Size, "size");
        return new ArchiveRecord(partition, offset, HivePartition.Of(t.Instrument, t.EventTimeUs), t);
    }

    public static string? AggressorName(AggressorSide side) =>
        side switch
        {
            AggressorSide.Buy => "buy",
            AggressorSide.Sell => "sell",
            _ => null,
        };

    public override async Task WriteRowGroupAsync(
        ParquetRowGroupWriter rg,
        IReadOnlyList<ArchiveRecord> rows,
        Dictionary<string, (long Min, long Max)> times,
        CancellationToken ct
    )
    {
        static Trade T(ArchiveRecord r) => (Trade)r.Message;
        await Instrument(rg, rows, r => T(r).Instrument);
        await Values(rg, TradeIdF, rows, r => T(r).TradeId, ct);
        await Values(rg, PriceF, rows, r => T(r).Price.ToDecimal(), ct);
        await Values(rg, SizeF, rows, r => T(r).Size.ToDecimal(), ct);
        await Strings(rg, AggressorF, rows, r => AggressorName(T(r).Aggressor));
        await Times(rg, EventTimeF, rows, r => T(r).EventTimeUs, ct, times);
        await Times(rg, ReceiveTimeF, rows, r => T(r).ReceiveTimeUs, ct, times);
        await Strings(rg, OriginF, rows, r => T(r).Origin.ToString().ToLowerInvariant());
        await Strings(rg, VenueSymbolF, rows, r => T(r).VenueSymbol);
        await Position(rg, rows, ct);
    }
}
