// The JSON shape of an API answer, for the generated OpenAPI document.
using System.ComponentModel;

namespace Pipeline.Api.Answers;

/// <summary>How far a replay version is: input records read of those planned.</summary>
[Description("How far a replay version is: input records read of those planned (null total: not planned yet, or live).")]
public sealed record VersionProgress(long? RecordsTotal, long RecordsDone, double? Fraction);
