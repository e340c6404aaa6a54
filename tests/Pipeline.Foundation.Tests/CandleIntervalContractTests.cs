using Pipeline.Schemas;

namespace Pipeline.Foundation.Tests;

// The one definition of candle intervals (issue 10: a second copy of interval math opened API weeks on Thursday).
public class CandleIntervalContractTests
{
    private static long Ms(long milliseconds) => milliseconds * 1000;

    [Fact]
    public void A_week_opens_where_binances_documented_weekly_kline_opens()
    {
        // Binance's /api/v3/klines documentation shows one 1w kline: open 1499040000000, close 1499644799999
        // (2017-07-03T00:00:00Z, a Monday, through the last millisecond of Sunday 2017-07-09).
        var week = CandleInterval.Parse("1w");
        const long open = 1499040000000,
            close = 1499644799999;

        Assert.Equal(Ms(open), week.OpenTimeOf(Ms(open)));
        Assert.Equal(Ms(open), week.OpenTimeOf(Ms(close)));
        Assert.Equal(Ms(open), week.OpenTimeOf(Ms(open + 3 * 86_400_000 + 12_345)));
        Assert.Equal(Ms(close + 1), week.OpenTimeOf(Ms(close + 1)));
        Assert.Equal(Ms(close + 1 - open), week.DurationUs);
        Assert.Equal(DayOfWeek.Monday, DateTimeOffset.FromUnixTimeMilliseconds(open).DayOfWeek);
    }

    [Theory]
    // The calendar, not our arithmetic, says which day is Monday: every weekly open in 2024 is a Monday 00:00 UTC.
    [InlineData("2024-01-03T13:47:12Z", "2024-01-01T00:00:00Z")]
    [InlineData("2024-01-07T23:59:59.999999Z", "2024-01-01T00:00:00Z")]
    [InlineData("2024-01-08T00:00:00Z", "2024-01-08T00:00:00Z")]
    [InlineData("1970-01-01T00:00:00Z", "1969-12-29T00:00:00Z")]
    public void Weeks_open_on_monday_midnight_utc(string time, string expectedOpen)
    {
        var week = CandleInterval.Parse("1w");
        var open = week.OpenTimeOf(Us(time));
        Assert.Equal(Us(expectedOpen), open);
        Assert.Equal(DayOfWeek.Monday, new UnixMicros(open).ToDateTime().DayOfWeek);
    }

    [Fact]
    public void A_minute_opens_where_a_recorded_binance_kline_opens()
    {
        // Recorded from wss://stream.binance.com (cryptofeed sample_data BINANCE.ws.1.0): "t":1626992700000,"T":1626992759999.
        var minute = CandleInterval.Parse("1m");
        Assert.Equal(Ms(1626992700000), minute.OpenTimeOf(Ms(1626992759999)));
        Assert.Equal(Ms(1626992759999 + 1 - 1626992700000), minute.DurationUs);
    }

    [Fact]
    public void Three_day_candles_are_counted_from_the_epoch()
    {
        // Binance aligns 3d klines to 1970-01-01 (not to a week or month): the open is a whole number of 3-day
        // steps from the epoch, counted here with the calendar's day numbers rather than microsecond arithmetic.
        var threeDays = CandleInterval.Parse("3d");
        for (var day = new DateOnly(2023, 12, 25); day < new DateOnly(2024, 1, 10); day = day.AddDays(1))
        {
            var noon = Us(day.ToString("yyyy-MM-dd") + "T12:00:00Z");
            var daysSinceEpoch = day.DayNumber - new DateOnly(1970, 1, 1).DayNumber;
            var openDay = new DateOnly(1970, 1, 1).AddDays(daysSinceEpoch - daysSinceEpoch % 3);
            Assert.Equal(Us(openDay.ToString("yyyy-MM-dd") + "T00:00:00Z"), threeDays.OpenTimeOf(noon));
        }
    }

    [Fact]
    public void Times_before_the_epoch_floor_to_the_earlier_interval()
    {
        Assert.Equal(-60_000_000, CandleInterval.Parse("1m").OpenTimeOf(-1));
        Assert.Equal(-3 * 86_400_000_000L, CandleInterval.Parse("3d").OpenTimeOf(-1));
    }

    [Fact]
    public void The_fourteen_binance_interval_names_parse_and_nothing_else_does()
    {
        string[] binance = ["1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d", "3d", "1w"];
        Assert.Equal(binance, CandleInterval.Names);
        Assert.Equal(binance, CandleInterval.All.Select(i => i.Name));
        Assert.All(CandleInterval.All, i => Assert.Equal(i, CandleInterval.All[i.Index]));
        Assert.True(CandleInterval.TryParse("4h", out var fourHours));
        Assert.Equal(TimeSpan.FromHours(4), fourHours.Duration);
        Assert.False(CandleInterval.TryParse("1M", out _));
        Assert.False(CandleInterval.TryParse("1W", out _));
        Assert.False(CandleInterval.TryParse(null, out _));
        var e = Assert.Throws<FormatException>(() => CandleInterval.Parse("2d"));
        Assert.Contains("1m, 3m, 5m", e.Message);
        Assert.Equal("1d", CandleInterval.WithDuration(86_400_000_000L)?.Name);
        Assert.Null(CandleInterval.WithDuration(2 * 86_400_000_000L));
    }

    private static long Us(string iso) =>
        UnixMicros.FromDateTimeOffset(DateTimeOffset.Parse(iso, System.Globalization.CultureInfo.InvariantCulture));
}
