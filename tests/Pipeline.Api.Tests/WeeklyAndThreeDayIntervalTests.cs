// Regression (issue 12): weekly candles are stored on Mondays (Binance's alignment) but the API rounded start and checked
// cursors against weeks counted from the epoch (a Thursday): a Monday start dropped its week, the API refused its own
// 1w next_cursor, and fill=true invented Thursday candles. 3d candles count from the epoch. Every route, both intervals.
using System.Globalization;
using System.Net;

namespace Pipeline.Api.Tests;

public sealed class WeeklyAndThreeDayIntervalTests
{
    // Boundaries: Monday 2025-01-13 for 1w; 2025-01-15 is day 20,103 since the epoch, a multiple of 3, for 3d.
    public static TheoryData<string, string, int> Intervals =>
        new() { { "1w", "2025-01-13T00:00:00Z", 7 }, { "3d", "2025-01-15T00:00:00Z", 3 } };

    private static DateTime At(string iso) =>
        DateTime.Parse(iso, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);

    private static string Iso(DateTime t) => t.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string Us(DateTime t) => t.ToString("yyyy-MM-dd'T'HH:mm:ss'.000000Z'", CultureInfo.InvariantCulture);

    [Theory]
    [MemberData(nameof(Intervals))]
    public async Task A_start_on_the_boundary_returns_that_candle(string interval, string boundary, int days)
    {
        await using var api = await RunningApi.StartAsync();
        var t0 = At(boundary);
        await api.InsertCandleAsync(Iso(t0), "100", "100", "100", "100", "1", interval);
        await api.InsertCandleAsync(Iso(t0.AddDays(days)), "101", "101", "101", "101", "1", interval);

        var body = await api.GetJsonAsync($"/candles/binance/BTC/USDT/spot/{interval}?start={Iso(t0)}&end={Iso(t0.AddDays(10 * days))}");

        Assert.Equal(
            [Us(t0), Us(t0.AddDays(days))],
            body.GetProperty("data").EnumerateArray().Select(c => c.GetProperty("time").GetString())
        );
    }

    [Theory]
    [MemberData(nameof(Intervals))]
    public async Task Cursor_paging_with_limit_1_visits_every_candle_once(string interval, string boundary, int days)
    {
        await using var api = await RunningApi.StartAsync();
        var t0 = At(boundary);
        for (var i = 0; i < 4; i++)
            await api.InsertCandleAsync(Iso(t0.AddDays(i * days)), $"{100 + i}", $"{100 + i}", $"{100 + i}", $"{100 + i}", "1", interval);

        var seen = new List<string>();
        string? cursor = null;
        var range = $"start={Iso(t0.AddDays(-1))}&end={Iso(t0.AddDays(10 * days))}";
        do
        {
            using var response = await api.Http.GetAsync(
                $"/candles/binance/BTC/USDT/spot/{interval}?{range}&limit=1" + (cursor is null ? "" : "&cursor=" + cursor)
            );
            Assert.True(
                response.StatusCode == HttpStatusCode.OK,
                $"page {seen.Count + 1}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}"
            );
            var body = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            seen.AddRange(body.GetProperty("data").EnumerateArray().Select(c => c.GetProperty("time").GetString()!));
            cursor = body.GetProperty("metadata").GetProperty("next_cursor").GetString();
        } while (cursor is not null && seen.Count < 10);

        Assert.Equal(Enumerable.Range(0, 4).Select(i => Us(t0.AddDays(i * days))), seen);
    }

    [Theory]
    [MemberData(nameof(Intervals))]
    public async Task Fill_across_an_empty_interval_fills_it_on_the_boundary(string interval, string boundary, int days)
    {
        await using var api = await RunningApi.StartAsync();
        var t0 = At(boundary);
        await api.InsertCandleAsync(Iso(t0), "100", "100", "100", "100", "1", interval);
        await api.InsertCandleAsync(Iso(t0.AddDays(2 * days)), "102", "102", "102", "102", "1", interval);

        var body = await api.GetJsonAsync(
            $"/candles/binance/BTC/USDT/spot/{interval}?start={Iso(t0)}&end={Iso(t0.AddDays(3 * days))}&fill=true"
        );

        var data = body.GetProperty("data").EnumerateArray().ToList();
        Assert.Equal([Us(t0), Us(t0.AddDays(days)), Us(t0.AddDays(2 * days))], data.Select(c => c.GetProperty("time").GetString()));
        Assert.True(data[1].GetProperty("filled").GetBoolean());
        Assert.Equal("100", data[1].GetProperty("close").GetString());
    }

    [Theory]
    [MemberData(nameof(Intervals))]
    public async Task Coverage_counts_missing_intervals_on_the_boundaries(string interval, string boundary, int days)
    {
        await using var api = await RunningApi.StartAsync();
        var t0 = At(boundary);
        await api.InsertCandleAsync(Iso(t0), "100", "100", "100", "100", "1", interval);
        await api.InsertCandleAsync(Iso(t0.AddDays(3 * days)), "103", "103", "103", "103", "1", interval);

        var data = (
            await api.GetJsonAsync($"/coverage/binance/BTC/USDT/spot/{interval}?start={Iso(t0)}&end={Iso(t0.AddDays(5 * days))}")
        ).GetProperty("data");

        var gaps = data.GetProperty("gaps")
            .EnumerateArray()
            .Select(g => (g.GetProperty("start").GetString(), g.GetProperty("end").GetString()))
            .ToList();
        Assert.Equal([(Us(t0.AddDays(days)), Us(t0.AddDays(3 * days))), (Us(t0.AddDays(4 * days)), Us(t0.AddDays(5 * days)))], gaps);
        Assert.Equal(3, data.GetProperty("missing").GetInt32());
    }

    [Theory]
    [MemberData(nameof(Intervals))]
    public async Task Indicators_and_the_stream_accept_the_interval(string interval, string boundary, int days)
    {
        await using var api = await RunningApi.StartAsync();
        var t0 = At(boundary);
        await api.ExecuteAsync(
            """
            INSERT INTO indicators (time, instrument_id, interval, indicator, fields)
            SELECT $1 + n * $2 * interval '1 day', i.id, $3, 'sma(2)', jsonb_build_object('sma', n)
            FROM instruments i, generate_series(0, 2) n
            WHERE i.exchange = 'binance' AND i.base = 'BTC' AND i.quote = 'USDT' AND i.market = 'spot'
            """,
            t0,
            days,
            interval
        );

        var body = await api.GetJsonAsync($"/indicators/binance/BTC/USDT/spot/{interval}?start={Iso(t0)}&end={Iso(t0.AddDays(3 * days))}");
        using var stream = await api.Http.GetAsync(
            $"/stream/candles?instruments=binance:BTC/USDT:spot&intervals={interval}",
            HttpCompletionOption.ResponseHeadersRead
        );

        Assert.Equal(3, body.GetProperty("data").GetArrayLength());
        Assert.Equal(Us(t0), body.GetProperty("data")[0].GetProperty("time").GetString());
        Assert.Equal(HttpStatusCode.OK, stream.StatusCode);
        _ = days;
    }
}
