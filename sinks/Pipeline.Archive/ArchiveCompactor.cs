// Compacts the small segment files of a closed day into one day file per folder (dataset, exchange, symbol, day), keeping the
// archive exactly once and provable:
//   1. only files whose segment is complete (manifest there, every file of it present) are taken;
//   2. the day file is written: rows of the previous day file (if any) and of the new segment files, in Kafka-position order,
//      under a new generation's name (day-YYYY-MM-DD-c{n}.parquet);
//   3. the compaction record (_compactions/…/{folder}.json) is replaced: day file + every segment file it holds;
//   4. the merged segment files and the previous day file are deleted.
// A crash before 3 leaves the old files and a stray day file (deleted and rewritten by the next run); after 3 the record
// proves where the deleted files' rows are, and the next run deletes what is left. Manifests are never changed: the verifier
// and the writer's recovery accept a manifest's file when the folder's compaction record holds it. Late records of a
// compacted day arrive as new segment files and are merged by the next run (generation n+1).
using Microsoft.Extensions.Logging;

namespace Pipeline.Archive;

public sealed class ArchiveCompactor(ArchiveStore store, ArchiveLayout layout, ILogger logger)
{
    /// <summary>A day is closed once it has ended and a segment open at midnight has had <paramref name="grace"/> to roll.</summary>
    public static bool IsClosed(DateOnly day, DateTime nowUtc, TimeSpan grace) =>
        day.AddDays(1).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc) + grace <= nowUtc;

    /// <summary>Compacts every folder of the dataset whose day passes <paramref name="compactDay"/>.</summary>
    public async Task<CompactionResult> CompactAsync(ArchiveDataset dataset, Func<DateOnly, bool> compactDay, CancellationToken ct)
    {
        int folders = 0,
            merged = 0,
            deferred = 0;
        long rows = 0;
        var root = layout.DatasetPrefix(dataset.Name);
        foreach (var exchange in await store.ListFoldersAsync(root, ct))
        foreach (var symbol in await store.ListFoldersAsync(exchange, ct))
        foreach (var dateFolder in await store.ListFoldersAsync(symbol, ct))
        {
            var name = dateFolder[..^1][(dateFolder[..^1].LastIndexOf('/') + 1)..];
            if (
                !name.StartsWith("date=", StringComparison.Ordinal)
                || !DateOnly.TryParseExact(name[5..], "yyyy-MM-dd", out var day)
                || !compactDay(day)
            )
                continue;
            var (files, folderRows, wait) = await CompactFolderAsync(dataset, dateFolder[root.Length..^1], day, ct);
            if (files > 0)
                folders++;
            merged += files;
            rows += folderRows;
            if (wait)
                deferred++;
        }
        return new CompactionResult(folders, merged, rows, deferred);
    }

    private async Task<(int Files, long Rows, bool Deferred)> CompactFolderAsync(
        ArchiveDataset dataset,
        string folder,
        DateOnly day,
        CancellationToken ct
    )
    {
        var recordKey = layout.CompactionKey(dataset.Name, folder);
        var previous = await store.TryGetAsync(recordKey, ct) is { } json ? ArchiveCompaction.FromJson(json) : null;
        var objects = await store.ListAsync($"{layout.DatasetPrefix(dataset.Name)}{folder}/", null, ct);
        var fresh = new List<ArchivedFile>();
        var deferred = false;
        foreach (var o in objects)
        {
            var file = Path.GetFileName(o.Key);
            var size = o.Size ?? 0;
            if (file.StartsWith("day-", StringComparison.Ordinal))
            {
                if (o.Key != previous?.File.Key)
                    await store.DeleteAsync(o.Key, ct); // left by a run that stopped before its record
                continue;
            }
            if (!file.StartsWith("part-", StringComparison.Ordinal))
                continue;
            if (previous is not null && previous.Holds(new ArchivedFile(o.Key, 0, size)))
            {
                await store.DeleteAsync(o.Key, ct); // already in the day file: a run stopped before deleting it
                continue;
            }
            var manifest = await ManifestOfAsync(dataset, o.Key, ct);
            var listed = manifest?.Files.FirstOrDefault(f => f.Key == o.Key);
            if (manifest is null || listed is null || listed.Bytes != size || !await IsCompleteAsync(dataset, manifest, ct))
            {
                deferred = true; // its segment is still being written (or rewritten): next run
                continue;
            }
            fresh.Add(listed);
        }
        if (fresh.Count == 0 || (fresh.Count == 1 && previous is null))
            return (0, 0, deferred);

        var tables = new List<ParquetTable>();
        if (previous is not null)
            tables.Add(await ParquetTable.ReadAsync(dataset, await store.GetAsync(previous.File.Key, ct), ct));
        foreach (var f in fresh)
            tables.Add(await ParquetTable.ReadAsync(dataset, await store.GetAsync(f.Key, ct), ct));
        var table = ParquetTable.ConcatInKafkaOrder(dataset, tables);
        var bytes = await table.WriteAsync(dataset, ct);
        var generation = (previous?.Generation ?? 0) + 1;
        var sources = (previous?.Sources ?? []).Concat(fresh).ToList();
        var dayFile = new ArchivedFile(
            layout.CompactedKey(dataset.Name, folder, day, generation),
            sources.Sum(s => s.Records),
            bytes.LongLength
        );
        await store.PutAsync(dayFile.Key, bytes, ct);
        await store.PutAsync(recordKey, new ArchiveCompaction(dataset.Name, folder, generation, dayFile, sources).ToJson(), ct);
        foreach (var f in fresh)
            await store.DeleteAsync(f.Key, ct);
        if (previous is not null)
            await store.DeleteAsync(previous.File.Key, ct);
        logger.LogInformation(
            "Compacted {Dataset} {Folder}: {Files} segment files into {DayFile} ({Rows} rows)",
            dataset.Name,
            folder,
            fresh.Count,
            dayFile.Key,
            table.Rows
        );
        return (fresh.Count, table.Rows, deferred);
    }

    /// <summary>The manifest of a segment file, from its name part-{partition}-{first}-{last}.parquet; null when there is none.</summary>
    private async Task<ArchiveManifest?> ManifestOfAsync(ArchiveDataset dataset, string key, CancellationToken ct)
    {
        var parts = Path.GetFileNameWithoutExtension(key).Split('-');
        if (
            parts.Length != 4
            || !int.TryParse(parts[1], out var p)
            || !long.TryParse(parts[2], out var first)
            || !long.TryParse(parts[3], out var last)
        )
            return null;
        return await store.TryGetAsync(layout.ManifestKey(dataset.Name, p, first, last), ct) is { } json
            ? ArchiveManifest.FromJson(json)
            : null;
    }

    private async Task<bool> IsCompleteAsync(ArchiveDataset dataset, ArchiveManifest manifest, CancellationToken ct)
    {
        foreach (var f in manifest.Files)
            if (!await IsPresentAsync(store, layout, dataset.Name, f, ct))
                return false;
        return true;
    }

    /// <summary>True when the file is in the bucket with its size, or its folder's day file holds it (compacted).</summary>
    public static async Task<bool> IsPresentAsync(
        ArchiveStore store,
        ArchiveLayout layout,
        string dataset,
        ArchivedFile file,
        CancellationToken ct
    )
    {
        if (await store.SizeAsync(file.Key, ct) == file.Bytes)
            return true;
        var json = await store.TryGetAsync(layout.CompactionKey(dataset, layout.FolderOf(dataset, file.Key)), ct);
        return json is not null && ArchiveCompaction.FromJson(json).Holds(file);
    }
}
