// The JSON shape of one part of a backfill job.
using System.ComponentModel;

namespace Pipeline.Api.Answers;

/// <summary>One instrument and kind of data of a backfill job.</summary>
[Description("One instrument and kind of data of a backfill job.")]
public sealed record BackfillPartRow(
    [property: Description("Instrument key, e.g. binance:BTC/USDT:spot")] string Instrument,
    [property: Description("A candle interval (venue candles) or trades")] string Data,
    string State,
    [property: Description("Everything before this time is published; a restart resumes here")] string Cursor,
    long Rows,
    long Pages,
    double Progress,
    [property: Description("Why the part failed, or null")] string? Error,
    [property: Description("Ranges the venue served no candles for (maintenance, halts); not retried")]
        IReadOnlyList<BackfillGapRow> VenueGaps
);
