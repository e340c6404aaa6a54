namespace Pipeline.Broker.Tests;

/// <summary>A fresh data directory under the system temp folder, removed when the test ends.</summary>
public sealed class TestDirectory : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "broker-tests", Guid.NewGuid().ToString("N")[..12]);

    public TestDirectory() => Directory.CreateDirectory(Path);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
