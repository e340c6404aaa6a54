// Microseconds since the Unix epoch (UTC): the one time representation on every topic and in every store.
using System.Globalization;

namespace Pipeline.Schemas;

/// <summary>
/// A point in time as whole microseconds since 1970-01-01T00:00:00Z. Converts implicitly to and from the
/// <c>long</c> that Protobuf fields and changelog values carry, so it can be adopted one call site at a time.
/// </summary>
public readonly record struct UnixMicros(long Value) : IComparable<UnixMicros>
{
    public const long PerMillisecond = 1_000;
    public const long PerSecond = 1_000_000;

    /// <summary>The clock's current time, truncated to whole microseconds.</summary>
    public static UnixMicros Now(TimeProvider clock) => FromDateTimeOffset(clock.GetUtcNow());

    /// <summary>The system clock's current time (for code that has no injected TimeProvider).</summary>
    public static UnixMicros Now() => Now(TimeProvider.System);

    /// <summary>From a DateTime; Local times are converted to UTC, Unspecified ones are taken as UTC (as PostgreSQL
    /// timestamptz values read by Npgsql and DuckDB are).</summary>
    public static UnixMicros FromDateTime(DateTime time)
    {
        var utc = time.Kind == DateTimeKind.Local ? time.ToUniversalTime() : time;
        return new((utc.Ticks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerMicrosecond);
    }

    public static UnixMicros FromDateTimeOffset(DateTimeOffset time) =>
        new((time.UtcTicks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerMicrosecond);

    public static UnixMicros FromMilliseconds(long milliseconds) => new(checked(milliseconds * PerMillisecond));

    public static UnixMicros FromSeconds(long seconds) => new(checked(seconds * PerSecond));

    /// <summary>A UTC DateTime; ArgumentOutOfRangeException beyond year 9999 (times that size are bad input upstream).</summary>
    public DateTime ToDateTime() => DateTime.UnixEpoch.AddTicks(checked(Value * TimeSpan.TicksPerMicrosecond));

    public DateTimeOffset ToDateTimeOffset() => new(ToDateTime(), TimeSpan.Zero);

    /// <summary>Whole milliseconds, rounded towards negative infinity.</summary>
    public long ToMilliseconds() => Math.DivRem(Value, PerMillisecond) is var (q, r) && r < 0 ? q - 1 : q;

    /// <summary>ISO-8601 UTC with exactly six fractional digits: "2024-03-01T10:00:00.000000Z".</summary>
    public string ToIso() => ToDateTime().ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    /// <summary>Parses ISO-8601 (a time without an offset is UTC).</summary>
    public static bool TryParseIso(string? text, out UnixMicros time)
    {
        time = default;
        if (
            !DateTimeOffset.TryParse(
                text,
                CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal,
                out var parsed
            )
        )
            return false;
        time = FromDateTimeOffset(parsed);
        return true;
    }

    public override string ToString() => ToIso();

    public int CompareTo(UnixMicros other) => Value.CompareTo(other.Value);

    public static implicit operator long(UnixMicros time) => time.Value;

    public static implicit operator UnixMicros(long value) => new(value);

    public static UnixMicros operator +(UnixMicros time, TimeSpan span) => new(time.Value + span.Ticks / TimeSpan.TicksPerMicrosecond);

    public static bool operator <(UnixMicros a, UnixMicros b) => a.Value < b.Value;

    public static bool operator >(UnixMicros a, UnixMicros b) => a.Value > b.Value;

    public static bool operator <=(UnixMicros a, UnixMicros b) => a.Value <= b.Value;

    public static bool operator >=(UnixMicros a, UnixMicros b) => a.Value >= b.Value;
}
