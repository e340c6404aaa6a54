namespace Pipeline.Broker;

/// <summary>A topic on disk: its partitions and its config (persisted as topic.json next to them).</summary>
internal sealed class TopicLog
{
    public string Name { get; }
    public string Directory { get; }
    public TopicConfig Config { get; set; }
    public PartitionLog[] Partitions { get; set; }

    public TopicLog(string name, string directory, TopicConfig config, PartitionLog[] partitions)
    {
        Name = name;
        Directory = directory;
        Config = config;
        Partitions = partitions;
    }

    public PartitionLog? Partition(int index) => (uint)index < (uint)Partitions.Length ? Partitions[index] : null;
}
