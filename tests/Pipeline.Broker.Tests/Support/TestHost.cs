using Pipeline.Testing;

namespace Pipeline.Broker.Tests;

/// <summary>A role of Pipeline.Broker.Tests.Host (broker, transactional producer, consumer, copier) in its own OS process,
/// so a test can kill -9 it; it stops gracefully when its stdin closes.</summary>
public static class TestHost
{
    public static ChildProcess Start(params string[] args) => ChildProcess.Start("Pipeline.Broker.Tests.Host.dll", args);
}
