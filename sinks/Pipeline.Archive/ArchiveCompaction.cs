// The record of one folder's compaction (one dataset, exchange, symbol and day): the day file and every segment file it holds.
// It is written after the day file and before the segment files are deleted, so a crash at any step leaves either the old
// files (and a stray day file, replaced on the next run) or a record that proves where the deleted files' rows are.
using System.Text.Json;

namespace Pipeline.Archive;

public sealed record ArchiveCompaction(
    string Dataset,
    string Folder,
    int Generation,
    ArchivedFile File,
    IReadOnlyList<ArchivedFile> Sources
)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, Json);

    public static ArchiveCompaction FromJson(byte[] json) =>
        JsonSerializer.Deserialize<ArchiveCompaction>(json, Json) ?? throw new FormatException("empty archive compaction record");

    /// <summary>True when <paramref name="file"/> (key and size) is one of the segment files this day file holds.</summary>
    public bool Holds(ArchivedFile file) => Sources.Any(s => s.Key == file.Key && s.Bytes == file.Bytes);
}
