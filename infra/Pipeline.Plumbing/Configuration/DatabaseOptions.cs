namespace Pipeline.Plumbing.Configuration;

public sealed class DatabaseOptions
{
    /// <summary>A PostgreSQL connection string or postgres:// URL. Empty: start a local PostgreSQL (15 or newer) under DataDir.</summary>
    public string? Url { get; set; }

    /// <summary>Port of the local PostgreSQL cluster (0 picks a free one).</summary>
    public int LocalPort { get; set; } = 0;

    public bool UsesLocalCluster => string.IsNullOrWhiteSpace(Url);
}
