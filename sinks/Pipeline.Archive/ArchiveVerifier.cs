// Proves from the manifests that each partition's archived offset ranges are contiguous (no overlap, no hole) and that
// every file a manifest lists exists with its recorded size, or is held by its folder's compacted day file.
namespace Pipeline.Archive;

public sealed class ArchiveVerifier(ArchiveStore store, ArchiveLayout layout)
{
    public async Task<ArchiveVerification> VerifyAsync(ArchiveDataset dataset, int partitions, CancellationToken ct)
    {
        var problems = new List<string>();
        var covered = new Dictionary<int, (long, long)>();
        var sizes = (await store.ListAsync(layout.DatasetPrefix(dataset.Name), null, ct)).ToDictionary(o => o.Key, o => o.Size ?? 0);
        // Files compaction merged into day files: a manifest's file that is gone is fine when its folder's record holds it.
        var compacted = new Dictionary<string, long>();
        foreach (var r in await store.ListAsync(layout.CompactionPrefix(dataset.Name), null, ct))
        {
            var compaction = ArchiveCompaction.FromJson(await store.GetAsync(r.Key, ct));
            var daySize = sizes.TryGetValue(compaction.File.Key, out var listed) ? listed : await store.SizeAsync(compaction.File.Key, ct);
            if (daySize != compaction.File.Bytes)
                problems.Add($"{dataset.Name}: day file {compaction.File.Key} of compaction {r.Key} is missing or truncated");
            foreach (var source in compaction.Sources)
                compacted[source.Key] = source.Bytes;
        }
        long records = 0;
        for (var p = 0; p < partitions; p++)
        {
            long? first = null,
                next = null;
            foreach (var m in await store.ListAsync(layout.ManifestPrefix(dataset.Name, p), null, ct))
            {
                var manifest = ArchiveManifest.FromJson(await store.GetAsync(m.Key, ct));
                if (next is long expected && manifest.FirstOffset != expected)
                    problems.Add(
                        manifest.FirstOffset > expected
                            ? $"{dataset.Name} partition {p}: hole, offsets {expected}-{manifest.FirstOffset - 1} are in no segment"
                            : $"{dataset.Name} partition {p}: overlap, segment {manifest.FirstOffset}-{manifest.LastOffset} starts "
                                + $"before {expected}"
                    );
                foreach (var f in manifest.Files)
                    if (
                        (!sizes.TryGetValue(f.Key, out var size) || size != f.Bytes)
                        && !(compacted.TryGetValue(f.Key, out var inDay) && inDay == f.Bytes)
                    )
                        problems.Add(
                            $"{dataset.Name} partition {p}: file {f.Key} of segment {manifest.FirstOffset}-{manifest.LastOffset} "
                                + "is missing or truncated"
                        );
                first ??= manifest.FirstOffset;
                next = manifest.LastOffset + 1;
                records += manifest.Records;
            }
            if (first is long f0)
                covered[p] = (f0, next!.Value - 1);
        }
        return new ArchiveVerification(dataset.Name, covered, records, problems);
    }
}
