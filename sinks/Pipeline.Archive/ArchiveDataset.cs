// What the archive needs to know about one dataset: its topic, its Parquet schema, how a record becomes rows.
using Parquet;
using Parquet.Schema;

namespace Pipeline.Archive;

public abstract class ArchiveDataset
{
    /// <summary>Folder name under the prefix ("trades", "candles", "indicators").</summary>
    public abstract string Name { get; }
    public abstract string Topic { get; }

    /// <summary>The pipeline.type header of the records to archive; records of another type (marks) are skipped.</summary>
    public abstract string MessageType { get; }
    public abstract ParquetSchema Schema { get; }

    /// <summary>Decodes a record value; a FormatException names what is wrong with it.</summary>
    public abstract ArchiveRecord Decode(int partition, long offset, byte[] value);

    /// <summary>Writes the records (all of one folder) as one row group of one Parquet file.</summary>
    /// <param name="timeRanges">Receives the µs min/max of each timestamp column written.</param>
    public abstract Task WriteRowGroupAsync(
        ParquetRowGroupWriter rowGroup,
        IReadOnlyList<ArchiveRecord> records,
        Dictionary<string, (long Min, long Max)> timeRanges,
        CancellationToken ct
    );

    public static IReadOnlyList<ArchiveDataset> All { get; } = [new TradeArchive(), new CandleArchive(), new IndicatorArchive()];

    public static ParquetOptions WriterOptions => new() { CompressionMethod = CompressionMethod.Zstd };

    /// <summary>One Parquet file (zstd, one row group) holding the records.</summary>
    public async Task<byte[]> WriteFileAsync(IReadOnlyList<ArchiveRecord> records, CancellationToken ct)
    {
        using var stream = new MemoryStream();
        var timeRanges = new Dictionary<string, (long Min, long Max)>();
        await using (var writer = await ParquetWriter.CreateAsync(Schema, stream, WriterOptions, cancellationToken: ct))
        {
            using var rowGroup = writer.CreateRowGroup();
            await WriteRowGroupAsync(rowGroup, records, timeRanges, ct);
        }
        return TimestampStatistics.Fix(stream.ToArray(), timeRanges);
    }
}
