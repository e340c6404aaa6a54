namespace Pipeline.Broker;

/// <summary>Another broker holds the data directory's lock: two brokers must never write the same logs.</summary>
public sealed class DataDirectoryInUseException(string dataDir, Exception inner)
    : InvalidOperationException($"data directory '{dataDir}' is in use by another broker; stop it or choose another --data-dir", inner)
{
    public string DataDir { get; } = dataDir;
}
