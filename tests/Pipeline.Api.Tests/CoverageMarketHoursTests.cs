// GET /coverage of an instrument whose market closes (yahoo: NYSE): nights, weekends and holidays are neither expected nor gaps.
// Regression (issue 16): closed-market minutes of a yahoo instrument were reported missing until a catch-up recorded them as
// venue gaps.
using Pipeline.Plumbing.Configuration;

namespace Pipeline.Api.Tests;

public sealed class CoverageMarketHoursTests
{
    // NYSE's published hours (nyse.com, "Holidays and Trading Hours"): 09:30-16:00 America/New_York (EDT, UTC-4, in July
    // 2024); Wednesday 2024-07-03 closes early at 13:00; Thursday 2024-07-04 (Independence Day) is closed; Friday 2024-07-05
    // and Monday 2024-07-08 are full days. Written here in UTC, not derived from the calendar under test.
    private static readonly (string Open, string Close)[] Sessions =
    [
        ("2024-07-03T13:30:00Z", "2024-07-03T17:00:00Z"),
        ("2024-07-05T13:30:00Z", "2024-07-05T20:00:00Z"),
        ("2024-07-08T13:30:00Z", "2024-07-08T20:00:00Z"),
    ];

    private const int SessionMinutes = 210 + 390 + 390;

    /// <summary>An API that knows yahoo:AAPL/USD:spot (NYSE hours), 1m and 1d.</summary>
    private static Task<RunningApi> StartWithAaplAsync() =>
        RunningApi.StartAsync(configure: o =>
            o.Instruments.Add(
                new InstrumentOptions
                {
                    Exchange = "yahoo",
                    Base = "AAPL",
                    Quote = "USD",
                    Market = "spot",
                    Symbol = "AAPL",
                    Intervals = ["1m", "1d"],
                }
            )
        );

    [Fact]
    public async Task Coverage_of_a_yahoo_instrument_counts_only_session_minutes_across_a_holiday_and_a_weekend()
    {
        await using var api = await StartWithAaplAsync();
        await api.ExecuteAsync(
            "SELECT pipeline_ensure_day_partitions('candles', $1, $2)",
            Utc("2024-07-03T00:00:00Z"),
            Utc("2024-07-09T00:00:00Z")
        );
        foreach (var (open, close) in Sessions)
        {
            await api.ExecuteAsync(
                """
                INSERT INTO candles (time, instrument_id, interval, source, open, high, low, close, volume, quote_volume, trade_count,
                    closed, revision)
                SELECT t, i.id, '1m', 1, 1, 1, 1, 1, 1, 1, 1, true, 0
                FROM generate_series($1::timestamptz, $2::timestamptz - interval '1 minute', interval '1 minute') t,
                     instruments i WHERE i.exchange = 'yahoo' AND i.base = 'AAPL'
                """,
                Utc(open),
                Utc(close)
            );
        }

        var full = (
            await api.GetJsonAsync("/coverage/yahoo/AAPL/USD/spot/1m?start=2024-07-03T00:00:00Z&end=2024-07-09T00:00:00Z")
        ).GetProperty("data");
        Assert.Equal(SessionMinutes, full.GetProperty("count").GetInt32());
        Assert.Equal(SessionMinutes, full.GetProperty("expected").GetInt32());
        Assert.Equal(0, full.GetProperty("missing").GetInt32());
        Assert.Equal(0, full.GetProperty("gaps").GetArrayLength());

        // The first minute after the holiday and the night before it.
        await api.ExecuteAsync("DELETE FROM candles WHERE time = $1", Utc("2024-07-05T13:30:00Z"));

        // Same range, start as Unix milliseconds (a different cache key than the first request).
        var start = new DateTimeOffset(2024, 7, 3, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        var holed = (await api.GetJsonAsync($"/coverage/yahoo/AAPL/USD/spot/1m?start={start}&end=2024-07-09T00:00:00Z")).GetProperty(
            "data"
        );
        Assert.Equal(SessionMinutes - 1, holed.GetProperty("count").GetInt32());
        Assert.Equal(SessionMinutes, holed.GetProperty("expected").GetInt32());
        Assert.Equal(1, holed.GetProperty("missing").GetInt32());
        var gap = Assert.Single(holed.GetProperty("gaps").EnumerateArray());
        Assert.Equal("2024-07-05T13:30:00.000000Z", gap.GetProperty("start").GetString());
        Assert.Equal("2024-07-05T13:31:00.000000Z", gap.GetProperty("end").GetString());
        Assert.Equal(1, gap.GetProperty("missing").GetInt32());
        Assert.False(gap.GetProperty("venue_gap").GetBoolean());
    }

    [Fact]
    public async Task Daily_coverage_of_a_yahoo_instrument_expects_trading_days_only()
    {
        await using var api = await StartWithAaplAsync();
        // NYSE trading days 2024-07-01..07-09 (published: 07-04 closed, 07-06/07 weekend); 07-05 left out.
        string[] stored = ["2024-07-01", "2024-07-02", "2024-07-03", "2024-07-08", "2024-07-09"];
        await api.ExecuteAsync(
            "SELECT pipeline_ensure_day_partitions('candles', $1, $2)",
            Utc("2024-07-01T00:00:00Z"),
            Utc("2024-07-10T00:00:00Z")
        );
        foreach (var day in stored)
        {
            await api.ExecuteAsync(
                """
                INSERT INTO candles (time, instrument_id, interval, source, open, high, low, close, volume, quote_volume, trade_count,
                    closed, revision)
                SELECT $1, i.id, '1d', 1, 1, 1, 1, 1, 1, 1, 1, true, 0 FROM instruments i WHERE i.exchange = 'yahoo' AND i.base = 'AAPL'
                """,
                Utc(day + "T00:00:00Z")
            );
        }

        var data = (
            await api.GetJsonAsync("/coverage/yahoo/AAPL/USD/spot/1d?start=2024-07-01T00:00:00Z&end=2024-07-10T00:00:00Z")
        ).GetProperty("data");
        Assert.Equal(6, data.GetProperty("expected").GetInt32());
        Assert.Equal(1, data.GetProperty("missing").GetInt32());
        var gap = Assert.Single(data.GetProperty("gaps").EnumerateArray());
        Assert.Equal("2024-07-05T00:00:00.000000Z", gap.GetProperty("start").GetString());
        Assert.Equal("2024-07-06T00:00:00.000000Z", gap.GetProperty("end").GetString());
    }

    private static DateTime Utc(string iso) =>
        DateTime.Parse(
            iso,
            System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal
        );
}
