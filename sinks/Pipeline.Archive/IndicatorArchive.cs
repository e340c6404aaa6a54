// indicators as Parquet: one row per indicator output field (macd has three), in the folder of its candle's open day.
using Parquet;
using Parquet.Schema;
using Pipeline.Plumbing.Topics;
using Pipeline.Schemas.V1;
using static Pipeline.Archive.ParquetColumns;

namespace Pipeline.Archive;

public sealed class IndicatorArchive : ArchiveDataset
{
    private static readonly DataField IntervalF = Text("interval"),
        OpenTimeF = Time("open_time"),
        IndicatorF = Text("indicator"),
        CandleRevisionF = Int("candle_revision"),
        FieldF = Text("field", nullable: true),
        ValueF = Real("value");

    private sealed record Row(IndicatorValue Value, IndicatorField? Field);

    public override string Name => "indicators";
    public override string Topic => TopicCatalog.Indicators.Name;
    public override string MessageType => IndicatorValue.Descriptor.FullName;
    public override ParquetSchema Schema { get; } = DatasetSchema(IntervalF, OpenTimeF, IndicatorF, CandleRevisionF, FieldF, ValueF);

    public override ArchiveRecord Decode(int partition, long offset, byte[] value)
    {
        var v = Parse(IndicatorValue.Parser, value);
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
        await Instrument(rg, rows, r => R(r).Value.Instrument);
        await Strings(rg, IntervalF, rows, r => R(r).Value.Interval);
        await Times(rg, OpenTimeF, rows, r => R(r).Value.OpenTimeUs, ct, times);
        await Strings(rg, IndicatorF, rows, r => R(r).Value.Indicator);
        await Values(rg, CandleRevisionF, rows, r => R(r).Value.CandleRevision, ct);
        await Strings(rg, FieldF, rows, r => R(r).Field?.Name);
        await Nullable(rg, ValueF, rows, r => R(r).Field is { HasValue: true } f ? f.Value : (double?)null, ct);
        await Position(rg, rows, ct);
    }
}
