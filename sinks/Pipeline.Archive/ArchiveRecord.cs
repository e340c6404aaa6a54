namespace Pipeline.Archive;

/// <summary>One decoded Kafka record of a dataset, with where it came from and the folder it belongs in.</summary>
public readonly record struct ArchiveRecord(int Partition, long Offset, HivePartition Folder, object Message);
