namespace Pipeline.Broker.Tests;

/// <summary>
/// A fresh data directory, removed when the test ends. It lives under /tmp/pipeline-tests named broker-PID-...,
/// so infra/setup/stop-stale-test-servers.sh removes what a killed test run left behind.
/// </summary>
public sealed class TestDirectory : IDisposable
{
    public string Path { get; } =
        System.IO.Path.Combine(
            System.IO.Path.GetTempPath(),
            "pipeline-tests",
            $"broker-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..10]}"
        );

    public TestDirectory() => Directory.CreateDirectory(Path);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
