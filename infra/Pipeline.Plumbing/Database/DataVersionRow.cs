// One row of data_versions (ADR 0006): a version of the derived data, what it covers, how far it is, and whether the API
// serves it by default.
namespace Pipeline.Plumbing.Database;

public sealed record DataVersionRow(
    string Name,
    string State,
    DateTime? RangeFrom,
    DateTime? RangeTo,
    IReadOnlyList<string> Instruments,
    IReadOnlyList<string> Intervals,
    string ConfigurationJson,
    long? RecordsTotal,
    long RecordsDone,
    DateTime CreatedAt,
    DateTime UpdatedAt,
    DateTime? CompletedAt,
    string? Error,
    bool IsCurrent
)
{
    public const string Planned = "planned";
    public const string Running = "running";
    public const string Complete = "complete";
    public const string Failed = "failed";
}
