// fill=true: empty intervals are forward-filled at query time from the last close, with zero volume and filled=true.
namespace Pipeline.Api.Tests;

public sealed class CandleFillTests
{
    private static readonly FixedClock Noon = new(new DateTimeOffset(2025, 1, 15, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task Missing_intervals_are_filled_from_the_previous_close_with_zero_volume()
    {
        await using var api = await RunningApi.StartAsync(clock: Noon);
        await api.InsertCandleAsync("2025-01-15T00:00:00Z", "100", "105", "99", "104", "2");
        await api.InsertCandleAsync("2025-01-15T00:03:00Z", "104", "106", "103", "105", "1");

        var body = await api.GetJsonAsync(
            "/candles/binance/BTC/USDT/spot/1m?start=2025-01-15T00:00:00Z&end=2025-01-15T00:05:00Z&fill=true"
        );

        var data = body.GetProperty("data").EnumerateArray().ToList();
        Assert.Equal(["00:00", "00:01", "00:02", "00:03", "00:04"], data.Select(c => c.GetProperty("time").GetString()![11..16]));
        Assert.Equal([false, true, true, false, true], data.Select(c => c.GetProperty("filled").GetBoolean()));
        foreach (var filled in new[] { data[1], data[2] })
        {
            Assert.Equal(
                ["104", "104", "104", "104"],
                new[] { "open", "high", "low", "close" }.Select(f => filled.GetProperty(f).GetString())
            );
            Assert.Equal("0", filled.GetProperty("volume").GetString());
            Assert.Equal(0, filled.GetProperty("trade_count").GetInt32());
        }
        Assert.Equal("105", data[4].GetProperty("open").GetString());
        Assert.Equal("0", data[4].GetProperty("volume").GetString());
    }

    [Fact]
    public async Task Fill_starts_from_the_last_close_before_the_range_and_never_fills_the_future()
    {
        await using var api = await RunningApi.StartAsync(clock: new FixedClock(new DateTimeOffset(2025, 1, 15, 0, 12, 30, TimeSpan.Zero)));
        await api.InsertCandleAsync("2025-01-15T00:00:00Z", "100", "105", "99", "101.5", "2");

        var body = await api.GetJsonAsync(
            "/candles/binance/BTC/USDT/spot/1m?start=2025-01-15T00:10:00Z&end=2025-01-15T00:20:00Z&fill=true"
        );

        var data = body.GetProperty("data").EnumerateArray().ToList();
        // 00:10, 00:11 and the running 00:12 interval; nothing after the current time.
        Assert.Equal(["00:10", "00:11", "00:12"], data.Select(c => c.GetProperty("time").GetString()![11..16]));
        Assert.All(data, c => Assert.Equal("101.5", c.GetProperty("close").GetString()));
        Assert.False(data[2].GetProperty("closed").GetBoolean());
    }

    [Fact]
    public async Task Without_fill_empty_intervals_are_simply_absent()
    {
        await using var api = await RunningApi.StartAsync(clock: Noon);
        await api.InsertCandleAsync("2025-01-15T00:00:00Z", "100", "105", "99", "104", "2");
        await api.InsertCandleAsync("2025-01-15T00:03:00Z", "104", "106", "103", "105", "1");

        var body = await api.GetJsonAsync("/candles/binance/BTC/USDT/spot/1m?start=2025-01-15T00:00:00Z&end=2025-01-15T00:05:00Z");

        Assert.Equal(2, body.GetProperty("data").GetArrayLength());
    }

    [Fact]
    public async Task Filled_pages_chain_by_cursor_without_gaps_or_repeats()
    {
        await using var api = await RunningApi.StartAsync(clock: Noon);
        await api.InsertCandleAsync("2025-01-15T00:00:00Z", "100", "105", "99", "104", "2");
        await api.InsertCandleAsync("2025-01-15T00:07:00Z", "104", "106", "103", "105", "1");

        var times = new List<string>();
        string? cursor = null;
        do
        {
            var body = await api.GetJsonAsync(
                "/candles/binance/BTC/USDT/spot/1m?start=2025-01-15T00:00:00Z&end=2025-01-15T00:10:00Z&fill=true&limit=3"
                    + (cursor is null ? "" : "&cursor=" + cursor)
            );
            times.AddRange(body.GetProperty("data").EnumerateArray().Select(c => c.GetProperty("time").GetString()![11..16]));
            cursor = body.GetProperty("metadata").GetProperty("next_cursor").GetString();
        } while (cursor is not null && times.Count < 30);

        Assert.Equal(Enumerable.Range(0, 10).Select(m => $"00:{m:00}"), times);
    }
}
