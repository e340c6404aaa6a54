// Object keys of the archive: data files named from Kafka positions (a rewrite after a crash replaces the same
// object), and one manifest per segment (zero-padded so a listing returns a partition's segments in offset order).
namespace Pipeline.Archive;

public sealed class ArchiveLayout(string prefix)
{
    private readonly string _root = string.IsNullOrEmpty(prefix) ? "" : prefix + "/";

    /// <summary>The prefix under the bucket ("" for the bucket's root).</summary>
    public string Prefix { get; } = prefix ?? "";

    /// <summary>{prefix}/{dataset}/exchange=…/symbol=…/date=YYYY-MM-DD/part-{partition}-{firstOffset}-{lastOffset}.parquet</summary>
    public string DataKey(string dataset, HivePartition folder, int partition, long firstOffset, long lastOffset) =>
        $"{_root}{dataset}/{folder.Path}/part-{partition}-{firstOffset}-{lastOffset}.parquet";

    public string DatasetPrefix(string dataset) => $"{_root}{dataset}/";

    public string ManifestPrefix(string dataset, int partition) => $"{_root}_manifests/{dataset}/partition={partition}/";

    public string ManifestKey(string dataset, int partition, long firstOffset, long lastOffset) =>
        $"{ManifestPrefix(dataset, partition)}{firstOffset:D20}-{lastOffset:D20}.json";

    /// <summary>A listing that starts after this key returns only segments whose first offset is at least <paramref
    /// name="offset"/>.</summary>
    public string ManifestsFrom(string dataset, int partition, long offset) =>
        offset <= 0 ? ManifestPrefix(dataset, partition) : $"{ManifestPrefix(dataset, partition)}{offset - 1:D20}-~";

    /// <summary>The day file compaction writes into a folder; the generation grows with each compaction of that folder.</summary>
    public string CompactedKey(string dataset, string folder, DateOnly day, int generation) =>
        $"{_root}{dataset}/{folder}/day-{day:yyyy-MM-dd}-c{generation}.parquet";

    /// <summary>The record of a folder's compaction: which segment files its day file holds.</summary>
    public string CompactionKey(string dataset, string folder) => $"{_root}_compactions/{dataset}/{folder}.json";

    public string CompactionPrefix(string dataset) => $"{_root}_compactions/{dataset}/";

    /// <summary>The Hive folder (exchange=…/symbol=…/date=…) of a data file key of the dataset.</summary>
    public string FolderOf(string dataset, string dataKey) => dataKey[DatasetPrefix(dataset).Length..dataKey.LastIndexOf('/')];
}
