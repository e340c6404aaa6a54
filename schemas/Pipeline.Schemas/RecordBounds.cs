// The values every stage can represent: the validator rejects anything outside them, and the sink checks again
// before writing, so one hostile record is a dead letter instead of an overflow or a crash loop further down.
namespace Pipeline.Schemas.V1;

public static class RecordBounds
{
    /// <summary>1990-01-01 UTC: older than any venue's history.</summary>
    public const long MinTimeUs = 631_152_000_000_000L;

    /// <summary>2200-01-01 UTC: far beyond any real trade, well inside .NET's DateTime and PostgreSQL's timestamptz.
    /// A fixed bound rather than "now": a replay must accept exactly what the live run accepted.</summary>
    public const long MaxTimeUs = 7_258_118_400_000_000L;

    /// <summary>Largest price or size accepted (10^13): more than any listed asset's price or lot.</summary>
    public const decimal MaxPriceOrSize = 10_000_000_000_000m;

    /// <summary>Largest price × size of one trade (10^16). A candle sums at most ~10^12 such trades before its quote
    /// volume could leave System.Decimal's 7.9 × 10^28, far more trades than any month of any instrument has.</summary>
    public const decimal MaxNotional = 10_000_000_000_000_000m;

    /// <summary>Largest raw record the processor reads (a trade is ~100 bytes); larger ones are dead-lettered.</summary>
    public const int MaxRecordBytes = 64 * 1024;

    /// <summary>How much of an original key or value a dead letter carries: the dead letter must stay far below the
    /// producer's 1 MB message limit. The full original stays at its source topic, partition and offset.</summary>
    public const int MaxDeadLetterOriginalBytes = 64 * 1024;

    public static bool TimeInRange(long us) => us >= MinTimeUs && us < MaxTimeUs;

    /// <summary>Null when the value is within bounds; otherwise why not.</summary>
    public static string? CheckTime(string what, long us) =>
        TimeInRange(us) ? null : $"{what} {us} us is outside the supported range 1990-01-01..2200-01-01 UTC";
}
