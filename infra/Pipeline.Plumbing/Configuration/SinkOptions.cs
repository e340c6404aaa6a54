namespace Pipeline.Plumbing.Configuration;

/// <summary>Settings of the PostgreSQL sink.</summary>
public sealed class SinkOptions
{
    /// <summary>Consumer group, and the name its positions are stored under in sink_positions.</summary>
    public string ConsumerName { get; set; } = "pipeline-sink";
    /// <summary>Write a batch once it holds this many records ...</summary>
    public int BatchRows { get; set; } = 50_000;
    /// <summary>... or this long after its first record arrived, whichever comes first.</summary>
    public int BatchLingerMs { get; set; } = 200;
}
