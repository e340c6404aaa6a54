// Works around a Parquet.Net 6.1.0 bug: for TIMESTAMP(MICROS) columns it writes the footer's min/max statistics in
// milliseconds while the values are microseconds, so readers that prune by statistics (DuckDB: WHERE event_time > …)
// skip row groups that hold matching rows. We rewrite the footer with the true min/max, computed from the values.
// Parquet.Net's Thrift protocol classes are internal; they are reached by reflection on this pinned version and the
// test Timestamp_statistics_in_the_footer_are_microseconds guards it.
using System.Buffers.Binary;
using System.Reflection;
using Parquet;
using Parquet.Meta;

namespace Pipeline.Archive;

internal static class TimestampStatistics
{
    private static readonly Assembly Parquet = typeof(ParquetWriter).Assembly;
    private static readonly System.Type ReaderType = Parquet.GetType("Parquet.Meta.Proto.ThriftCompactProtocolReader", throwOnError: true)!;
    private static readonly System.Type WriterType = Parquet.GetType("Parquet.Meta.Proto.ThriftCompactProtocolWriter", throwOnError: true)!;
    private static readonly MethodInfo Read = typeof(FileMetaData).GetMethod(
        "Read",
        BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static
    )!;
    private static readonly MethodInfo Write = typeof(FileMetaData).GetMethod(
        "Write",
        BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance
    )!;

    /// <summary>The file with each named column's min/max statistics set to the given microsecond values.</summary>
    public static byte[] Fix(byte[] file, IReadOnlyDictionary<string, (long Min, long Max)> columns)
    {
        if (columns.Count == 0)
            return file;
        var footerLength = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(file.Length - 8, 4));
        var footerStart = file.Length - 8 - footerLength;
        FileMetaData meta;
        using (var footer = new MemoryStream(file, footerStart, footerLength, writable: false))
            meta = (FileMetaData)Read.Invoke(null, [Create(ReaderType, footer)])!;
        foreach (var chunk in meta.RowGroups.SelectMany(g => g.Columns))
        {
            if (chunk.MetaData is not { } m || !columns.TryGetValue(string.Join('.', m.PathInSchema), out var range))
                continue;
            m.Statistics ??= new Statistics();
            m.Statistics.MinValue = LittleEndian(range.Min);
            m.Statistics.MaxValue = LittleEndian(range.Max);
            m.Statistics.Min = null;
            m.Statistics.Max = null;
        }
        using var output = new MemoryStream(file.Length + 64);
        output.Write(file, 0, footerStart);
        Write.Invoke(meta, [Create(WriterType, output)]);
        var newLength = (int)(output.Length - footerStart);
        Span<byte> tail = stackalloc byte[8];
        BinaryPrimitives.WriteInt32LittleEndian(tail, newLength);
        "PAR1"u8.CopyTo(tail[4..]);
        output.Write(tail);
        return output.ToArray();
    }

    private static object Create(System.Type type, Stream stream) =>
        Activator.CreateInstance(type, BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic, null, [stream], null)!;

    private static byte[] LittleEndian(long value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, value);
        return bytes;
    }
}
