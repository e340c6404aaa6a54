// The record of one archived segment of a partition: the offset range it covers (gaps of transaction markers and
// skipped records included) and the files holding its records. Written before the files, so a crash mid-upload
// leaves a manifest whose files are checked and rewritten on restart.
using System.Text.Json;

namespace Pipeline.Archive;

public sealed record ArchiveManifest(
    string Dataset,
    string Topic,
    int Partition,
    long FirstOffset,
    long LastOffset,
    int Records,
    int Skipped,
    IReadOnlyList<ArchivedFile> Files
)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, Json);

    public static ArchiveManifest FromJson(byte[] json) =>
        JsonSerializer.Deserialize<ArchiveManifest>(json, Json) ?? throw new FormatException("empty archive manifest");
}
