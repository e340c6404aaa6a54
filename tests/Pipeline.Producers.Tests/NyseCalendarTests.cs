using System.Globalization;
using Pipeline.Schemas.Calendars;
using Xunit;

namespace Pipeline.Producers.Tests;

/// <summary>The NYSE calendar the US equity poller sleeps by, checked against tables from outside (an independent holiday
/// package, NYSE's published early closes) and against the IANA time zone around the DST switches.</summary>
public sealed class NyseCalendarTests
{
    private static readonly NyseCalendar Calendar = NyseCalendar.Instance;

    private static long Us(string utc) => DateTimeOffset.Parse(utc, CultureInfo.InvariantCulture).ToUnixTimeMilliseconds() * 1000;

    [Fact]
    public void Holidays_2023_to_2027_are_the_published_ones_including_the_2025_day_of_mourning()
    {
        var published = File.ReadLines(Path.Combine(AppContext.BaseDirectory, "Fixtures", "yahoo", "nyse-holidays-2023-2027.txt"))
            .Where(l => l.Length > 0 && l[0] != '#')
            .Select(l => DateOnly.ParseExact(l, "yyyy-MM-dd", CultureInfo.InvariantCulture))
            .Order()
            .ToList();
        Assert.Equal(51, published.Count);
        var ours = Enumerable.Range(2023, 5).SelectMany(NyseCalendar.Holidays).Order().ToList();
        Assert.Equal(published, ours);
        foreach (var day in published)
            Assert.Null(Calendar.Session(day));
    }

    [Fact]
    public void Early_closes_are_the_published_13_00_days()
    {
        // NYSE "Holidays and Trading Hours": early closes (1:00 p.m. ET) of 2023-2027.
        string[] published =
        [
            "2023-07-03",
            "2023-11-24",
            "2024-07-03",
            "2024-11-29",
            "2024-12-24",
            "2025-07-03",
            "2025-11-28",
            "2025-12-24",
            "2026-11-27",
            "2026-12-24",
            "2027-11-26",
        ];
        var ours = Enumerable
            .Range(2023, 5)
            .SelectMany(NyseCalendar.EarlyCloses)
            .Select(d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        Assert.Equal(published, ours.Order());
    }

    [Fact]
    public void The_day_after_Thanksgiving_closes_at_13_00_New_York()
    {
        var session = Calendar.Session(new DateOnly(2025, 11, 28));
        Assert.Equal((Us("2025-11-28T14:30:00Z"), Us("2025-11-28T18:00:00Z")), session);
        Assert.True(Calendar.IsOpen(Us("2025-11-28T17:59:00Z")));
        Assert.False(Calendar.IsOpen(Us("2025-11-28T18:00:00Z")));
        // After the early close the next bar to expect is Monday's first.
        Assert.Equal(Us("2025-12-01T14:30:00Z"), Calendar.NextOpenAtOrAfter(Us("2025-11-28T18:00:00Z")));
    }

    [Fact]
    public void The_DST_switch_moves_the_open_from_14_30_to_13_30_UTC_and_back()
    {
        // US clocks went forward on Sunday 2026-03-08 and back on Sunday 2026-11-01; the session stays 09:30-16:00 local.
        Assert.Equal((Us("2026-03-06T14:30:00Z"), Us("2026-03-06T21:00:00Z")), Calendar.Session(new DateOnly(2026, 3, 6)));
        Assert.Equal((Us("2026-03-09T13:30:00Z"), Us("2026-03-09T20:00:00Z")), Calendar.Session(new DateOnly(2026, 3, 9)));
        Assert.Equal((Us("2026-10-30T13:30:00Z"), Us("2026-10-30T20:00:00Z")), Calendar.Session(new DateOnly(2026, 10, 30)));
        Assert.Equal((Us("2026-11-02T14:30:00Z"), Us("2026-11-02T21:00:00Z")), Calendar.Session(new DateOnly(2026, 11, 2)));
        Assert.False(Calendar.IsOpen(Us("2026-03-09T13:29:00Z")));
        Assert.True(Calendar.IsOpen(Us("2026-03-09T13:30:00Z")));
        Assert.Equal(Us("2026-03-09T13:30:00Z"), Calendar.NextOpenAtOrAfter(Us("2026-03-06T21:00:00Z")));
    }

    [Fact]
    public void A_closed_market_next_opens_after_the_weekend_and_the_holiday()
    {
        // Good Friday 2026-04-03: from Thursday's close the next session is Monday 2026-04-06.
        Assert.Equal(Us("2026-04-06T13:30:00Z"), Calendar.NextOpenAtOrAfter(Us("2026-04-02T20:00:00Z")));
        Assert.False(Calendar.IsOpen(Us("2026-04-03T15:00:00Z")));
        // Saturday 2026-07-04 is observed on Friday 2026-07-03, with no early close on Thursday.
        Assert.Null(Calendar.Session(new DateOnly(2026, 7, 3)));
        Assert.Equal((Us("2026-07-02T13:30:00Z"), Us("2026-07-02T20:00:00Z")), Calendar.Session(new DateOnly(2026, 7, 2)));
        // In session the next open is now.
        Assert.Equal(Us("2026-07-02T15:00:00Z"), Calendar.NextOpenAtOrAfter(Us("2026-07-02T15:00:00Z")));
    }
}
