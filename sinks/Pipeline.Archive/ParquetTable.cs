// A whole Parquet file of the archive in memory as typed column arrays, for compaction: files of one folder are read,
// concatenated, put in Kafka-position order and written back as one file. Column types come from the dataset's schema.
using System.Reflection;
using Parquet;
using Parquet.Schema;

namespace Pipeline.Archive;

internal sealed class ParquetTable
{
    private static readonly MethodInfo ReadValuesMethod = typeof(ParquetTable).GetMethod(
        nameof(ReadValues),
        BindingFlags.NonPublic | BindingFlags.Static
    )!;
    private static readonly MethodInfo ReadNullableMethod = typeof(ParquetTable).GetMethod(
        nameof(ReadNullable),
        BindingFlags.NonPublic | BindingFlags.Static
    )!;
    private static readonly MethodInfo WriteValuesMethod = typeof(ParquetTable).GetMethod(
        nameof(WriteValues),
        BindingFlags.NonPublic | BindingFlags.Static
    )!;
    private static readonly MethodInfo WriteNullableMethod = typeof(ParquetTable).GetMethod(
        nameof(WriteNullable),
        BindingFlags.NonPublic | BindingFlags.Static
    )!;

    private ParquetTable(IReadOnlyList<DataField> fields, Array[] columns, int rows)
    {
        Fields = fields;
        Columns = columns;
        Rows = rows;
    }

    public IReadOnlyList<DataField> Fields { get; }
    public Array[] Columns { get; }
    public int Rows { get; }

    public static async Task<ParquetTable> ReadAsync(ArchiveDataset dataset, byte[] file, CancellationToken ct)
    {
        var fields = dataset.Schema.GetDataFields();
        using var stream = new MemoryStream(file, writable: false);
        await using var reader = await ParquetReader.CreateAsync(stream, cancellationToken: ct);
        var inFile = reader.Schema.GetDataFields().ToDictionary(f => f.Name);
        var parts = new List<Array[]>();
        var rows = 0;
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            using var rg = reader.OpenRowGroupReader(g);
            var n = checked((int)rg.RowCount);
            var columns = new Array[fields.Length];
            for (var c = 0; c < fields.Length; c++)
            {
                var field = inFile.TryGetValue(fields[c].Name, out var f)
                    ? f
                    : throw new FormatException($"archive file has no column {fields[c].Name}");
                columns[c] =
                    fields[c].ClrType == typeof(string)
                        ? await ReadStrings(rg, field, n, ct)
                        : await (Task<Array>)
                            (fields[c].IsNullable ? ReadNullableMethod : ReadValuesMethod)
                                .MakeGenericMethod(fields[c].ClrType)
                                .Invoke(null, [rg, field, n, ct])!;
            }
            parts.Add(columns);
            rows += n;
        }
        return new ParquetTable(fields, Concat(fields, parts, rows), rows);
    }

    /// <summary>All rows of the tables, ordered by (kafka_partition, kafka_offset); rows of one record keep their order.</summary>
    public static ParquetTable ConcatInKafkaOrder(ArchiveDataset dataset, IReadOnlyList<ParquetTable> tables)
    {
        var fields = dataset.Schema.GetDataFields();
        var rows = tables.Sum(t => t.Rows);
        var all = Concat(fields, tables.Select(t => t.Columns).ToList(), rows);
        var partition = (int[])all[Array.FindIndex(fields, f => f.Name == "kafka_partition")];
        var offset = (long[])all[Array.FindIndex(fields, f => f.Name == "kafka_offset")];
        var order = Enumerable.Range(0, rows).ToArray();
        Array.Sort(
            order,
            (a, b) =>
            {
                var c = partition[a].CompareTo(partition[b]);
                if (c == 0)
                    c = offset[a].CompareTo(offset[b]);
                return c != 0 ? c : a.CompareTo(b);
            }
        );
        var sorted = new Array[fields.Length];
        for (var c = 0; c < fields.Length; c++)
        {
            sorted[c] = Array.CreateInstance(all[c].GetType().GetElementType()!, rows);
            for (var i = 0; i < rows; i++)
                sorted[c].SetValue(all[c].GetValue(order[i]), i);
        }
        return new ParquetTable(fields, sorted, rows);
    }

    /// <summary>One Parquet file (zstd, one row group), with true µs statistics for the timestamp columns.</summary>
    public async Task<byte[]> WriteAsync(ArchiveDataset dataset, CancellationToken ct)
    {
        using var stream = new MemoryStream();
        var times = new Dictionary<string, (long Min, long Max)>();
        await using (
            var writer = await ParquetWriter.CreateAsync(dataset.Schema, stream, ArchiveDataset.WriterOptions, cancellationToken: ct)
        )
        {
            using var rg = writer.CreateRowGroup();
            for (var c = 0; c < Fields.Count; c++)
            {
                var field = Fields[c];
                if (field.ClrType == typeof(string))
                {
                    await rg.WriteAsync(field, (string[])Columns[c]);
                    continue;
                }
                if (Columns[c] is DateTime[] { Length: > 0 } dates)
                    times[field.Name] = (dates.Min(ArchiveTime.ToMicros), dates.Max(ArchiveTime.ToMicros));
                await (Task)
                    (field.IsNullable ? WriteNullableMethod : WriteValuesMethod)
                        .MakeGenericMethod(field.ClrType)
                        .Invoke(null, [rg, field, Columns[c], ct])!;
            }
        }
        return TimestampStatistics.Fix(stream.ToArray(), times);
    }

    private static Array[] Concat(DataField[] fields, IReadOnlyList<Array[]> parts, int rows)
    {
        var columns = new Array[fields.Length];
        for (var c = 0; c < fields.Length; c++)
        {
            var type = parts.Count > 0 ? parts[0][c].GetType().GetElementType()! : typeof(object);
            columns[c] = Array.CreateInstance(type, rows);
            var at = 0;
            foreach (var part in parts)
            {
                Array.Copy(part[c], 0, columns[c], at, part[c].Length);
                at += part[c].Length;
            }
        }
        return columns;
    }

    private static async Task<Array> ReadStrings(ParquetRowGroupReader rg, DataField field, int n, CancellationToken ct)
    {
        var values = new string[n];
        await rg.ReadAsync(field, values.AsMemory(), cancellationToken: ct);
        return values;
    }

    private static async Task<Array> ReadValues<T>(ParquetRowGroupReader rg, DataField field, int n, CancellationToken ct)
        where T : struct
    {
        var values = new T[n];
        await rg.ReadAsync(field, values.AsMemory(), cancellationToken: ct);
        return values;
    }

    private static async Task<Array> ReadNullable<T>(ParquetRowGroupReader rg, DataField field, int n, CancellationToken ct)
        where T : struct
    {
        var values = new T?[n];
        await rg.ReadAsync(field, values.AsMemory(), cancellationToken: ct);
        return values;
    }

    private static Task WriteValues<T>(ParquetRowGroupWriter rg, DataField field, Array values, CancellationToken ct)
        where T : struct => rg.WriteAsync(field, new ReadOnlyMemory<T>((T[])values), cancellationToken: ct);

    private static Task WriteNullable<T>(ParquetRowGroupWriter rg, DataField field, Array values, CancellationToken ct)
        where T : struct => rg.WriteAsync(field, new ReadOnlyMemory<T?>((T?[])values), cancellationToken: ct);
}
