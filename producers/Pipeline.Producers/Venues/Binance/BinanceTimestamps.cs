// Binance spot dumps and REST switched from milliseconds to microseconds on 2025-01-01: tell them apart by magnitude.
namespace Pipeline.Producers.Venues.Binance;

public static class BinanceTimestamps
{
    // 1e14 µs is 1973-03-03; 1e14 ms is the year 5138. Any real trade time is on exactly one side.
    private const long MicrosecondThreshold = 100_000_000_000_000;

    // 1e11 ms is 1973-03-03: anything smaller is neither unit (seconds, or garbage).
    private const long MillisecondFloor = 100_000_000_000;

    /// <summary>Converts an epoch timestamp in ms or µs (decided by its magnitude) to µs; false when it is neither.</summary>
    public static bool TryToMicroseconds(long value, out long microseconds)
    {
        if (value >= MicrosecondThreshold)
        {
            microseconds = value;
            return true;
        }
        if (value >= MillisecondFloor)
        {
            microseconds = value * 1000;
            return true;
        }
        microseconds = 0;
        return false;
    }

    /// <summary>An epoch time in ms or µs as µs; FormatException when it is neither.</summary>
    public static long ToMicros(long value) =>
        TryToMicroseconds(value, out var us) ? us : throw new FormatException($"time {value} is neither ms nor µs");

    /// <summary>True when <paramref name="value"/> is in microseconds (rather than milliseconds).</summary>
    public static bool IsMicroseconds(long value) => value >= MicrosecondThreshold;
}
