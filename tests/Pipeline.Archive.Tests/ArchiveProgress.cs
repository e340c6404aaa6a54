// How far the archive has got, from its manifests: used to wait on progress instead of the clock.
using Pipeline.Plumbing.Configuration;
using Pipeline.Plumbing.ObjectStorage;
using Pipeline.Schemas.V1;
using Pipeline.Testing;

namespace Pipeline.Archive.Tests;

public static class ArchiveProgress
{
    /// <summary>The verification of a dataset, read straight from S3.</summary>
    public static async Task<ArchiveVerification> VerifyAsync(S3Options s3, ArchiveDataset dataset, int partitions)
    {
        using var client = S3ClientFactory.Create(s3);
        var verifier = new ArchiveVerifier(new ArchiveStore(client, s3.Bucket!, long.MaxValue), new ArchiveLayout(s3.Prefix));
        return await verifier.VerifyAsync(dataset, partitions, CancellationToken.None);
    }

    /// <summary>True once every partition's segments reach its end offset (exclusive) as produced.</summary>
    /// <remarks>Reads the manifests' names until they reach the ends (cheap enough to poll), then verifies them fully.</remarks>
    public static async Task<bool> CoversAsync(S3Options s3, ArchiveDataset dataset, IReadOnlyDictionary<int, long> ends)
    {
        using var client = S3ClientFactory.Create(s3);
        var store = new ArchiveStore(client, s3.Bucket!, long.MaxValue);
        var layout = new ArchiveLayout(s3.Prefix);
        foreach (var (partition, end) in ends)
        {
            if (end == 0)
                continue;
            var manifests = await store.ListAsync(layout.ManifestPrefix(dataset.Name, partition), null, CancellationToken.None);
            if (manifests.Count == 0)
                return false;
            var name = Path.GetFileNameWithoutExtension(manifests[^1].Key);
            if (long.Parse(name[(name.IndexOf('-') + 1)..]) < end - 1)
                return false;
        }
        // The last manifest is written before its files: covered only once every listed file is there too.
        return (await VerifyAsync(s3, dataset, ends.Keys.Max() + 1)).Ok;
    }

    public static async Task<int> ManifestCountAsync(S3Options s3)
    {
        using var client = S3ClientFactory.Create(s3);
        var store = new ArchiveStore(client, s3.Bucket!, long.MaxValue);
        return (await store.ListAsync($"{s3.Prefix}/_manifests/", null, CancellationToken.None)).Count;
    }

    public static Dictionary<int, long> Ends<T>(IEnumerable<(int Partition, long Offset, T Record)> landed, int partitions)
    {
        var ends = Enumerable.Range(0, partitions).ToDictionary(p => p, _ => 0L);
        foreach (var (p, o, _) in landed)
            ends[p] = Math.Max(ends[p], o + 1);
        return ends;
    }

    /// <summary>Waits until the archive covers every trade, candle and indicator produced (each dataset up to where its
    /// records landed).</summary>
    public static async Task AllArchivedAsync(
        S3Options s3,
        int partitions,
        IEnumerable<(int Partition, long Offset, Trade Record)> trades,
        IEnumerable<(int Partition, long Offset, Candle Record)> candles,
        IEnumerable<(int Partition, long Offset, IndicatorValue Record)> indicators
    )
    {
        foreach (
            var (dataset, ends) in new[]
            {
                (ArchiveDataset.All[0], Ends(trades, partitions)),
                (ArchiveDataset.All[1], Ends(candles, partitions)),
                (ArchiveDataset.All[2], Ends(indicators, partitions)),
            }
        )
            await Eventually.TrueAsync(() => CoversAsync(s3, dataset, ends), TimeSpan.FromSeconds(90), $"{dataset.Name} archived");
    }
}
