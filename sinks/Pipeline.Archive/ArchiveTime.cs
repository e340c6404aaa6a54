// Microsecond Unix times (the contracts' time) to and from UTC DateTime, exactly (a tick is 100 ns).
namespace Pipeline.Archive;

public static class ArchiveTime
{
    public static DateTime ToUtc(long timeUs) => DateTime.UnixEpoch.AddTicks(checked(timeUs * 10));

    public static long ToMicros(DateTime utc) => (utc.Ticks - DateTime.UnixEpoch.Ticks) / 10;
}
