// Reads an archive back the way users do: every object downloaded as is, queried with DuckDB (an independent Parquet reader).
using Pipeline.Plumbing.Configuration;
using Pipeline.Plumbing.ObjectStorage;
using Pipeline.Testing;

namespace Pipeline.Archive.Tests;

public sealed class ArchiveReadBack : DuckQuery
{
    private ArchiveReadBack(string root) => Root = root;

    /// <summary>Local folder mirroring the bucket's keys.</summary>
    public string Root { get; }

    public static async Task<ArchiveReadBack> DownloadAsync(S3Options s3)
    {
        using var client = S3ClientFactory.Create(s3);
        var store = new ArchiveStore(client, s3.Bucket!, long.MaxValue);
        var root = TestDirectories.Create("archive-read");
        foreach (var o in await store.ListAsync(s3.Prefix + "/", null, CancellationToken.None))
        {
            var path = Path.Combine(root, o.Key);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.WriteAllBytesAsync(path, await store.GetAsync(o.Key, CancellationToken.None));
        }
        return new ArchiveReadBack(root);
    }

    public string Glob(string prefix, string dataset) => Path.Combine(Root, prefix, dataset, "**", "*.parquet");
}
