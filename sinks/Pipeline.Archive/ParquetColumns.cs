// Column types of the archive's files and how a column is written from records: exact decimals, µs UTC timestamps.
using Google.Protobuf;
using Parquet;
using Parquet.Schema;
using Pipeline.Schemas.V1;

namespace Pipeline.Archive;

internal static class ParquetColumns
{
    /// <summary>decimal(38,18): every price and size the venues publish fits exactly (≤ 20 integer and ≤ 18 fraction digits).</summary>
    public const int Precision = 38;
    public const int Scale = 18;
    private static readonly decimal Limit = 100_000_000_000_000_000_000m;

    public static DataField Text(string name, bool nullable = false) => new DataField<string>(name, nullable);

    public static DataField Long(string name) => new DataField<long>(name, false);

    public static DataField Int(string name) => new DataField<int>(name, false);

    public static DataField Real(string name) => new DataField<double>(name, true);

    public static DataField Exact(string name, bool nullable = false) => new DecimalDataField(name, Precision, Scale, true, nullable);

    public static DataField Time(string name) =>
        new DateTimeDataField(name, DateTimeFormat.Timestamp, isAdjustedToUTC: true, unit: DateTimeTimeUnit.Micros, isNullable: false);

    /// <summary>The columns every dataset starts with: the instrument's key, base, quote and market.</summary>
    public static readonly DataField[] InstrumentColumns = [Text("instrument"), Text("base"), Text("quote"), Text("market")];

    /// <summary>The columns every dataset ends with: the record's Kafka partition and offset.</summary>
    public static readonly DataField[] PositionColumns = [Int("kafka_partition"), Long("kafka_offset")];

    /// <summary>A schema of the instrument columns, the dataset's own columns, then the position columns.</summary>
    public static ParquetSchema DatasetSchema(params DataField[] columns) =>
        new(InstrumentColumns.Concat(columns).Concat(PositionColumns).ToArray<Field>());

    /// <summary>A record value as its message; a FormatException (the record goes to dead letters) when it is not one.</summary>
    public static T Parse<T>(MessageParser<T> parser, byte[] value)
        where T : IMessage<T>
    {
        try
        {
            return parser.ParseFrom(value);
        }
        catch (InvalidProtocolBufferException e)
        {
            var name = typeof(T).Name;
            throw new FormatException($"not {("AEIOU".Contains(name[0]) ? "an" : "a")} {name}: {e.Message}");
        }
    }

    /// <summary>Writes the <see cref="InstrumentColumns"/>.</summary>
    public static async Task Instrument(ParquetRowGroupWriter rg, IReadOnlyList<ArchiveRecord> rows, Func<ArchiveRecord, InstrumentRef> get)
    {
        await Strings(rg, InstrumentColumns[0], rows, r => get(r).Key);
        await Strings(rg, InstrumentColumns[1], rows, r => get(r).Base);
        await Strings(rg, InstrumentColumns[2], rows, r => get(r).Quote);
        await Strings(rg, InstrumentColumns[3], rows, r => InstrumentRef.MarketName(get(r).Market));
    }

    /// <summary>Writes the <see cref="PositionColumns"/>.</summary>
    public static async Task Position(ParquetRowGroupWriter rg, IReadOnlyList<ArchiveRecord> rows, CancellationToken ct)
    {
        await Values(rg, PositionColumns[0], rows, r => r.Partition, ct);
        await Values(rg, PositionColumns[1], rows, r => r.Offset, ct);
    }

    /// <summary>The value, when decimal(38,18) holds it exactly; otherwise a FormatException (the record goes to dead letters).</summary>
    public static decimal CheckExact(decimal value, string what)
    {
        var normalized = value / 1.000000000000000000000000000m;
        if (normalized.Scale > Scale || Math.Abs(value) >= Limit)
            throw new FormatException($"{what} {value} does not fit decimal({Precision},{Scale}) exactly");
        return value;
    }

    public static Task Strings(
        ParquetRowGroupWriter rg,
        DataField field,
        IReadOnlyList<ArchiveRecord> rows,
        Func<ArchiveRecord, string?> get
    )
    {
        var values = new string?[rows.Count];
        for (var i = 0; i < values.Length; i++)
            values[i] = get(rows[i]);
        return rg.WriteAsync(field, values!);
    }

    public static Task Values<T>(
        ParquetRowGroupWriter rg,
        DataField field,
        IReadOnlyList<ArchiveRecord> rows,
        Func<ArchiveRecord, T> get,
        CancellationToken ct
    )
        where T : struct
    {
        var values = new T[rows.Count];
        for (var i = 0; i < values.Length; i++)
            values[i] = get(rows[i]);
        return rg.WriteAsync(field, new ReadOnlyMemory<T>(values), cancellationToken: ct);
    }

    public static Task Nullable<T>(
        ParquetRowGroupWriter rg,
        DataField field,
        IReadOnlyList<ArchiveRecord> rows,
        Func<ArchiveRecord, T?> get,
        CancellationToken ct
    )
        where T : struct
    {
        var values = new T?[rows.Count];
        for (var i = 0; i < values.Length; i++)
            values[i] = get(rows[i]);
        return rg.WriteAsync(field, new ReadOnlyMemory<T?>(values), cancellationToken: ct);
    }

    /// <summary>Writes µs UTC timestamps and notes their min/max for the footer (see <see cref="TimestampStatistics"/>).</summary>
    public static Task Times(
        ParquetRowGroupWriter rg,
        DataField field,
        IReadOnlyList<ArchiveRecord> rows,
        Func<ArchiveRecord, long> getUs,
        CancellationToken ct,
        Dictionary<string, (long Min, long Max)> ranges
    )
    {
        var values = new DateTime[rows.Count];
        long min = long.MaxValue,
            max = long.MinValue;
        for (var i = 0; i < values.Length; i++)
        {
            var us = getUs(rows[i]);
            min = Math.Min(min, us);
            max = Math.Max(max, us);
            values[i] = ArchiveTime.ToUtc(us);
        }
        if (values.Length > 0)
            ranges[field.Name] = (min, max);
        return rg.WriteAsync(field, new ReadOnlyMemory<DateTime>(values), cancellationToken: ct);
    }
}
