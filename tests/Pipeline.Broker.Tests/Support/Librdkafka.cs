using Confluent.Kafka;

namespace Pipeline.Broker.Tests;

/// <summary>Loads librdkafka from the librdkafka.redist package once per process, so a load failure shows up in the first test
/// that needs a client rather than inside a client constructor.</summary>
public static class Librdkafka
{
    public static void EnsureLoaded() => _ = Library.VersionString;
}
