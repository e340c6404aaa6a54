namespace Pipeline.Twap.Tests;

/// <summary>How a test object stores the status time.</summary>
public enum TwapTimeColumn
{
    /// <summary>Parquet TIMESTAMP(NANOS, UTC), as the published files do.</summary>
    TimestampNanos,

    /// <summary>Plain INT64 nanoseconds (sub-microsecond digits included).</summary>
    Int64Nanos,

    /// <summary>Plain INT64 milliseconds.</summary>
    Int64Millis,

    /// <summary>Parquet TIMESTAMP(MICROS, UTC).</summary>
    TimestampMicros,
}
