namespace Pipeline.Archive;

/// <summary>What a check of the archive found for one dataset: covered offset ranges per partition and every fault.</summary>
public sealed record ArchiveVerification(
    string Dataset,
    IReadOnlyDictionary<int, (long First, long Last)> Covered,
    long Records,
    IReadOnlyList<string> Problems
)
{
    public bool Ok => Problems.Count == 0;
}
