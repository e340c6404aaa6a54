namespace Pipeline.Archive;

/// <summary>What a compaction run did: folders compacted into day files, segment files merged and deleted, and folders left
/// alone because a segment of theirs is still being written.</summary>
public sealed record CompactionResult(int Folders, int FilesMerged, long Rows, int FoldersDeferred);
