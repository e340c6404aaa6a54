// NYSE regular sessions: 09:30-16:00 America/New_York (DST from the IANA time zone), 13:00 on early-close days, closed at
// weekends and on holidays. Holidays and early closes follow NYSE's published rules (Rule 7.2 and its yearly holiday
// list), computed per year, plus the closures NYSE announced outside those rules. Limits: the rules are exact from 2022
// (Juneteenth) on; one-off closures are listed from 2023 on and future ones must be added when NYSE announces them.
// Yahoo serves minute bars for the last 30 days only, so older years never matter to the poller; /coverage over older
// ranges counts sessions by these same rules.
namespace Pipeline.Schemas.Calendars;

public sealed class NyseCalendar : ITradingCalendar
{
    public static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
    public static readonly TimeOnly Open = new(9, 30);
    public static readonly TimeOnly Close = new(16, 0);
    public static readonly TimeOnly EarlyClose = new(13, 0);

    /// <summary>Closures outside the rules: 2025-01-09, the National Day of Mourning for President Carter.</summary>
    public static readonly IReadOnlySet<DateOnly> SpecialClosures = new HashSet<DateOnly> { new(2025, 1, 9) };

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<
        int,
        (HashSet<DateOnly> Holidays, HashSet<DateOnly> EarlyCloses)
    > Years = new();

    public static NyseCalendar Instance { get; } = new();

    /// <summary>Full-day closures of a year (observed dates), from NYSE's rules.</summary>
    public static IReadOnlyList<DateOnly> Holidays(int year)
    {
        var days = new List<DateOnly>();
        // New Year's Day on a Saturday is not made up on the Friday before (NYSE rule), only Sunday moves to Monday.
        var newYear = new DateOnly(year, 1, 1);
        if (newYear.DayOfWeek != DayOfWeek.Saturday)
            days.Add(Observed(newYear));
        days.Add(Nth(year, 1, DayOfWeek.Monday, 3)); // Martin Luther King Jr. Day
        days.Add(Nth(year, 2, DayOfWeek.Monday, 3)); // Washington's Birthday
        days.Add(Easter(year).AddDays(-2)); // Good Friday
        days.Add(Last(year, 5, DayOfWeek.Monday)); // Memorial Day
        if (year >= 2022)
            days.Add(Observed(new DateOnly(year, 6, 19))); // Juneteenth
        days.Add(Observed(new DateOnly(year, 7, 4))); // Independence Day
        days.Add(Nth(year, 9, DayOfWeek.Monday, 1)); // Labor Day
        days.Add(Nth(year, 11, DayOfWeek.Thursday, 4)); // Thanksgiving
        days.Add(Observed(new DateOnly(year, 12, 25))); // Christmas
        days.AddRange(SpecialClosures.Where(d => d.Year == year));
        days.Sort();
        return days;
    }

    /// <summary>Days the market closes at 13:00: July 3 and December 24 when they fall Monday to Thursday (a trading day
    /// before the holiday), and the day after Thanksgiving.</summary>
    public static IReadOnlyList<DateOnly> EarlyCloses(int year)
    {
        var days = new List<DateOnly>();
        var july3 = new DateOnly(year, 7, 3);
        if (july3.DayOfWeek is >= DayOfWeek.Monday and <= DayOfWeek.Thursday)
            days.Add(july3);
        days.Add(Nth(year, 11, DayOfWeek.Thursday, 4).AddDays(1));
        var christmasEve = new DateOnly(year, 12, 24);
        if (christmasEve.DayOfWeek is >= DayOfWeek.Monday and <= DayOfWeek.Thursday)
            days.Add(christmasEve);
        return days;
    }

    /// <summary>The regular session of a New York trading day as [open, close) in µs since the epoch, or null when the
    /// market is closed all day.</summary>
    public (long OpenUs, long CloseUs)? Session(DateOnly day)
    {
        if (day.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday)
            return null;
        var year = Years.GetOrAdd(day.Year, y => (Holidays(y).ToHashSet(), EarlyCloses(y).ToHashSet()));
        if (year.Holidays.Contains(day))
            return null;
        var close = year.EarlyCloses.Contains(day) ? EarlyClose : Close;
        return (ToUs(day, Open), ToUs(day, close));
    }

    public bool IsOpen(long us) => Session(LocalDay(us)) is { } s && us >= s.OpenUs && us < s.CloseUs;

    public long NextOpenAtOrAfter(long us)
    {
        var day = LocalDay(us);
        // At most a long weekend plus holidays lies between two sessions.
        for (var i = 0; i < 10; i++)
        {
            if (Session(day.AddDays(i)) is { } s && s.CloseUs > us)
                return Math.Max(s.OpenUs, us);
        }
        throw new InvalidOperationException($"no NYSE session within 10 days of {day}");
    }

    public IEnumerable<(long OpenUs, long CloseUs)> Sessions(long fromUs, long toUs)
    {
        if (toUs <= fromUs)
            yield break;
        var last = LocalDay(toUs - 1);
        for (var day = LocalDay(fromUs); day <= last; day = day.AddDays(1))
        {
            if (Session(day) is { } s && s.CloseUs > fromUs && s.OpenUs < toUs)
                yield return s;
        }
    }

    /// <summary>The New York calendar day of an instant.</summary>
    public static DateOnly LocalDay(long us) =>
        DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(DateTime.UnixEpoch.AddTicks(us * 10), NewYork));

    private static long ToUs(DateOnly day, TimeOnly time)
    {
        var utc = TimeZoneInfo.ConvertTimeToUtc(day.ToDateTime(time, DateTimeKind.Unspecified), NewYork);
        return (utc - DateTime.UnixEpoch).Ticks / 10;
    }

    /// <summary>A Saturday holiday is observed on the Friday before, a Sunday one on the Monday after.</summary>
    private static DateOnly Observed(DateOnly day) =>
        day.DayOfWeek switch
        {
            DayOfWeek.Saturday => day.AddDays(-1),
            DayOfWeek.Sunday => day.AddDays(1),
            _ => day,
        };

    private static DateOnly Nth(int year, int month, DayOfWeek weekday, int n)
    {
        var first = new DateOnly(year, month, 1);
        var offset = ((int)weekday - (int)first.DayOfWeek + 7) % 7;
        return first.AddDays(offset + 7 * (n - 1));
    }

    private static DateOnly Last(int year, int month, DayOfWeek weekday)
    {
        var last = new DateOnly(year, month, DateTime.DaysInMonth(year, month));
        return last.AddDays(-(((int)last.DayOfWeek - (int)weekday + 7) % 7));
    }

    /// <summary>Western Easter Sunday (the anonymous Gregorian algorithm, Meeus/Jones/Butcher).</summary>
    private static DateOnly Easter(int year)
    {
        var a = year % 19;
        var b = year / 100;
        var c = year % 100;
        var d = b / 4;
        var e = b % 4;
        var f = (b + 8) / 25;
        var g = (b - f + 1) / 3;
        var h = (19 * a + b - d - g + 15) % 30;
        var i = c / 4;
        var k = c % 4;
        var l = (32 + 2 * e + 2 * i - h - k) % 7;
        var m = (a + 11 * h + 22 * l) / 451;
        var month = (h + l - 7 * m + 114) / 31;
        var day = (h + l - 7 * m + 114) % 31 + 1;
        return new DateOnly(year, month, day);
    }
}
