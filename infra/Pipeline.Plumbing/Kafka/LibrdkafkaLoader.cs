// Loads librdkafka from the librdkafka.redist package (Confluent.Kafka picks the variant) and checks it matches Confluent.Kafka.
using Confluent.Kafka;
using Pipeline.Plumbing.Errors;

namespace Pipeline.Plumbing.Kafka;

public static class LibrdkafkaLoader
{
    private static readonly object Gate = new();
    private static string? _version;
    private static string? _loadedFrom;

    /// <summary>Loads librdkafka once per process and returns its version string; throws
    /// <see cref="DependencyUnavailableException"/> with one clear line when it cannot be loaded or its version is not the
    /// one Confluent.Kafka was built for (both come from packages pinned to the same version).</summary>
    /// <remarks>On Debian 12 the package's generic librdkafka.so needs libsasl2.so.3 (Debian has .so.2): Confluent.Kafka
    /// then falls back by itself to the package's centos8 build, which needs only glibc. <see cref="LoadedFrom"/> says which.</remarks>
    public static string EnsureLoaded()
    {
        lock (Gate)
        {
            if (_version is not null)
                return _version;
            string version;
            try
            {
                version = Library.VersionString;
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
            {
                throw new DependencyUnavailableException(
                    $"librdkafka (from the librdkafka.redist package) could not be loaded: {e.Message}; "
                        + "rebuild with 'dotnet build' or republish"
                );
            }
            var managed = typeof(Library).Assembly.GetName().Version!;
            var expected = $"{managed.Major}.{managed.Minor}.";
            if (!version.StartsWith(expected, StringComparison.Ordinal))
                throw new DependencyUnavailableException(
                    $"librdkafka {version} was loaded, but Confluent.Kafka {managed.ToString(3)} needs {expected}x: "
                        + "pin librdkafka.redist to Confluent.Kafka's version"
                );
            _loadedFrom = FindLoadedPath();
            _version = version;
            return version;
        }
    }

    /// <summary>The file librdkafka was loaded from (read from /proc/self/maps), or null where that cannot be told.</summary>
    public static string? LoadedFrom
    {
        get
        {
            EnsureLoaded();
            return _loadedFrom;
        }
    }

    private static string? FindLoadedPath()
    {
        const string maps = "/proc/self/maps";
        if (!File.Exists(maps))
            return null;
        foreach (var line in File.ReadLines(maps))
        {
            var slash = line.IndexOf('/');
            if (slash < 0)
                continue;
            var path = line[slash..];
            if (Path.GetFileName(path).Contains("librdkafka", StringComparison.Ordinal))
                return path;
        }
        return null;
    }
}
