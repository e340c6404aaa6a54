// Proves from the manifests that each partition's archived offset ranges are contiguous (no overlap, no hole) and that
// every file a manifest lists exists with its recorded size.
namespace Pipeline.Archive;

public sealed class ArchiveVerifier(ArchiveStore store, ArchiveLayout layout)
{
    public async Task<ArchiveVerification> VerifyAsync(ArchiveDataset dataset, int partitions, CancellationToken ct)
    {
        var problems = new List<string>();
        var covered = new Dictionary<int, (long, long)>();
        var sizes = (await store.ListAsync(layout.DatasetPrefix(dataset.Name), null, ct)).ToDictionary(o => o.Key, o => o.Size ?? 0);
        long records = 0;
        for (var p = 0; p < partitions; p++)
        {
            long? first = null, next = null;
            foreach (var m in await store.ListAsync(layout.ManifestPrefix(dataset.Name, p), null, ct))
            {
                var manifest = ArchiveManifest.FromJson(await store.GetAsync(m.Key, ct));
                if (next is long expected && manifest.FirstOffset != expected)
                    problems.Add(manifest.FirstOffset > expected
                        ? $"{dataset.Name} partition {p}: hole, offsets {expected}-{manifest.FirstOffset - 1} are in no segment"
                        : $"{dataset.Name} partition {p}: overlap, segment {manifest.FirstOffset}-{manifest.LastOffset} starts before {expected}");
                foreach (var f in manifest.Files)
                    if (!sizes.TryGetValue(f.Key, out var size) || size != f.Bytes)
                        problems.Add($"{dataset.Name} partition {p}: file {f.Key} of segment {manifest.FirstOffset}-{manifest.LastOffset} is missing or truncated");
                first ??= manifest.FirstOffset;
                next = manifest.LastOffset + 1;
                records += manifest.Records;
            }
            if (first is long f0) covered[p] = (f0, next!.Value - 1);
        }
        return new ArchiveVerification(dataset.Name, covered, records, problems);
    }
}
