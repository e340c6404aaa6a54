// Tests that assert on ArchiveStatus / RoleReadiness, which are per process: they run alone, not beside other tests whose
// archives would report into the same status.
namespace Pipeline.Archive.Tests;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ArchiveStatusCollection
{
    public const string Name = "archive status (process-wide)";
}
