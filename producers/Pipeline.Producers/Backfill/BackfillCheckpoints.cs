// Resume points of backfill jobs in a small JSON file under the data folder, replaced atomically after every page.
using System.Text.Json;
using Pipeline.Plumbing.Errors;

namespace Pipeline.Producers.Backfill;

public sealed class BackfillCheckpoints(string file)
{
    private readonly object _gate = new();

    public string File => file;

    /// <summary>The time up to which the job was published and acknowledged, or null when it never ran or has finished.</summary>
    public long? Load(string key)
    {
        lock (_gate)
            return Read().TryGetValue(key, out var v) ? v : null;
    }

    public void Save(string key, long cursorUs)
    {
        lock (_gate)
        {
            var all = Read();
            all[key] = cursorUs;
            Write(all);
        }
    }

    public void Complete(string key)
    {
        lock (_gate)
        {
            var all = Read();
            if (all.Remove(key))
                Write(all);
        }
    }

    private Dictionary<string, long> Read()
    {
        if (!System.IO.File.Exists(file))
            return new();
        try
        {
            return JsonSerializer.Deserialize<Dictionary<string, long>>(System.IO.File.ReadAllText(file)) ?? new();
        }
        catch (JsonException e)
        {
            throw new InputFormatException($"backfill state file {file} is damaged ({e.Message}); delete it to start the backfill over");
        }
    }

    private void Write(Dictionary<string, long> all)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
        var tmp = file + ".tmp";
        System.IO.File.WriteAllText(tmp, JsonSerializer.Serialize(all, new JsonSerializerOptions { WriteIndented = true }));
        // Rename is atomic: a crash leaves the old or the new state, never half of one.
        System.IO.File.Move(tmp, file, overwrite: true);
    }
}
