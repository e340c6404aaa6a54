// indicators as Parquet: one row per indicator output field (macd has three), in the folder of its candle's open day.
using Parquet;
using Parquet.Schema;
using Pipeline.Plumbing.Topics;
using Pipeline.Schemas.V1;
using static Pipeline.Archive.ParquetColumns;

namespace Pipeline.Archive;

public sealed class IndicatorArchive : ArchiveDataset
{
    private static readonly DataField InstrumentF = Text("instrument"),
        BaseF = Text("base"),
        QuoteF = Text("quote"),
        MarketF = Text("market"),
        IntervalF = Text("interval"),
        OpenTimeF = Time("open_time"),
        IndicatorF = Text("indicator"),
        CandleRevisionF = Int("candle_revision"),
        FieldF = Text("field", nullable: true),
        ValueF = Real("value"),
        PartitionF = Int("kafka_partition"),
        OffsetF = Long("kafka_offset");

    private sealed record Row(IndicatorValue Value, IndicatorField? Field);

    public override string Name => "indicators";
    public override string Topic => TopicCatalog.Indicators.Name;
    public override string MessageType => IndicatorValue.Descriptor.FullName;
    public override ParquetSchema Schema { get; } =
        new(InstrumentF, BaseF, QuoteF, MarketF, IntervalF, OpenTimeF, IndicatorF, CandleRevisionF, FieldF, ValueF, PartitionF, OffsetF);

    public override ArchiveRecord Decode(int partition, long offset, byte[] value)
    {
        IndicatorValue v;
        try
        {
            v = IndicatorValue.Parser.ParseFrom(value);
        }
        catch (Google.Protobuf.InvalidProtocolBufferException e)
        {
            throw new FormatException($"not an IndicatorValue: {e.Message}");
        }
        if (v.Instrument is null)
            throw new FormatException("indicator value without instrument");
        return new ArchiveRecord(partition, offset, HivePartition.Of(v.Instrument, v.OpenTimeUs), v);
    }

    public override async Task WriteRowGroupAsync(
        ParquetRowGroupWriter rg,
        IReadOnlyList<ArchiveRecord> records,
        Dictionary<string, (long Min, long Max)> times,
        CancellationToken ct
    )
    {
        // A value without fields still gets a row (field and value null): every record is in the archive.
        var rows = records
            .SelectMany(r =>
            {
                var v = (IndicatorValue)r.Message;
                return v.Fields.Count == 0
                    ? [r with { Message = new Row(v, null) }]
                    : v.Fields.Select(f => r with { Message = new Row(v, f) });
            })
            .ToList();
        static Row R(ArchiveRecord r) => (Row)r.Message;
        await Strings(rg, InstrumentF, rows, r => R(r).Value.Instrument.Key);
        await Strings(rg, BaseF, rows, r => R(r).Value.Instrument.Base);
        await Strings(rg, QuoteF, rows, r => R(r).Value.Instrument.Quote);
        await Strings(rg, MarketF, rows, r => InstrumentRef.MarketName(R(r).Value.Instrument.Market));
        await Strings(rg, IntervalF, rows, r => R(r).Value.Interval);
        await Times(rg, OpenTimeF, rows, r => R(r).Value.OpenTimeUs, ct, times);
        await Strings(rg, IndicatorF, rows, r => R(r).Value.Indicator);
        await Values(rg, CandleRevisionF, rows, r => R(r).Value.CandleRevision, ct);
        await Strings(rg, FieldF, rows, r => R(r).Field?.Name);
        await Nullable(rg, ValueF, rows, r => R(r).Field is { HasValue: true } f ? f.Value : (double?)null, ct);
        await Values(rg, PartitionF, rows, r => r.Partition, ct);
        await Values(rg, OffsetF, rows, r => r.Offset, ct);
    }
}
