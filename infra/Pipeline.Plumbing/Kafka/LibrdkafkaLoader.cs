// Points Confluent.Kafka at librdkafka 2.15.1 built by infra/setup/setup.sh and checks its version.
using System.Reflection;
using System.Runtime.InteropServices;
using Confluent.Kafka;

namespace Pipeline.Plumbing.Kafka;

public static class LibrdkafkaLoader
{
    private static readonly object Gate = new();
    private static string? _loadedFrom;

    /// <summary>Environment variable naming the librdkafka.so to load instead of the one next to the program.</summary>
    public const string PathVariable = "PIPELINE_LIBRDKAFKA";

    /// <summary>Loads librdkafka once per process and returns its version string; throws
    /// <see cref="InvalidOperationException"/> with one clear line when it is missing or not 2.15.x.</summary>
    public static string EnsureLoaded()
    {
        lock (Gate)
        {
            if (_loadedFrom is null)
            {
                var chosen = Environment.GetEnvironmentVariable(PathVariable);
                var path = chosen is { Length: > 0 }
                    ? File.Exists(chosen) ? chosen : throw new InvalidOperationException(
                        $"librdkafka was not found at {chosen} ({PathVariable}); point {PathVariable} at librdkafka 2.15.x or unset it to use the one 'make setup' builds")
                    : Candidates().FirstOrDefault(File.Exists) ?? throw new InvalidOperationException(
                        $"librdkafka 2.15.1 was not found (looked in {string.Join(", ", Candidates())}); run 'make setup' (infra/setup/setup.sh) to build it, or set {PathVariable}");
                NativeLibrary.SetDllImportResolver(typeof(Library).Assembly, (name, _, _) =>
                    name.Contains("rdkafka", StringComparison.Ordinal) ? NativeLibrary.Load(path) : IntPtr.Zero);
                _loadedFrom = path;
            }
        }
        string version;
        try { version = Library.VersionString; }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
        {
            throw new InvalidOperationException($"librdkafka at {_loadedFrom} could not be loaded ({e.Message}); rebuild it with 'make setup'");
        }
        if (!version.StartsWith("2.15.", StringComparison.Ordinal))
            throw new InvalidOperationException($"librdkafka at {_loadedFrom} is version {version}, but 2.15.x is required; rebuild it with 'make setup' or fix {PathVariable}");
        return version;
    }

    public static string? LoadedFrom => _loadedFrom;

    private static IEnumerable<string> Candidates()
    {
        yield return Path.Combine(AppContext.BaseDirectory, "librdkafka.so");
        var cache = Environment.GetEnvironmentVariable("PIPELINE_CACHE") is { Length: > 0 } c
            ? c : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "pipeline");
        yield return Path.Combine(cache, "librdkafka-2.15.1", "librdkafka.so");
    }
}
