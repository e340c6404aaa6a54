// The JSON shape of a venue gap in a backfill job.
using System.ComponentModel;

namespace Pipeline.Api.Answers;

/// <summary>A range [start, end) the venue has no candles for.</summary>
[Description("A range [start, end) the venue has no candles for.")]
public sealed record BackfillGapRow(string Start, string End);
