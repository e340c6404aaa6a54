// GET /coverage: first, last, count and the missing intervals of an instrument's candles.
namespace Pipeline.Api.Tests;

public sealed class CoverageTests
{
    [Fact]
    public async Task Coverage_reports_span_count_and_each_gap()
    {
        await using var api = await RunningApi.StartAsync();
        foreach (var m in new[] { 0, 1, 2, 5, 6, 9 })
            await api.InsertCandleAsync($"2025-01-15T00:0{m}:00Z", "1", "1", "1", "1", "1");

        var body = await api.GetJsonAsync("/coverage/binance/BTC/USDT/spot/1m?end=2025-01-15T00:10:00Z");

        var data = body.GetProperty("data");
        Assert.Equal("2025-01-15T00:00:00.000000Z", data.GetProperty("first").GetString());
        Assert.Equal("2025-01-15T00:09:00.000000Z", data.GetProperty("last").GetString());
        Assert.Equal(6, data.GetProperty("count").GetInt32());
        Assert.Equal(10, data.GetProperty("expected").GetInt32());
        Assert.Equal(4, data.GetProperty("missing").GetInt32());
        var gaps = data.GetProperty("gaps")
            .EnumerateArray()
            .Select(g =>
                (
                    g.GetProperty("start").GetString()![11..16],
                    g.GetProperty("end").GetString()![11..16],
                    g.GetProperty("missing").GetInt32()
                )
            )
            .ToList();
        Assert.Equal([("00:03", "00:05", 2), ("00:07", "00:09", 2)], gaps);
    }

    // Regression (issue 12): the intervals after the last candle up to the requested end were not reported missing.
    [Fact]
    public async Task Coverage_reports_the_gap_after_the_last_candle_up_to_the_requested_end()
    {
        await using var api = await RunningApi.StartAsync();
        foreach (var m in new[] { 0, 1 })
            await api.InsertCandleAsync($"2025-01-15T00:0{m}:00Z", "1", "1", "1", "1", "1");

        var data = (
            await api.GetJsonAsync("/coverage/binance/BTC/USDT/spot/1m?start=2025-01-15T00:00:00Z&end=2025-01-15T00:05:00Z")
        ).GetProperty("data");

        Assert.Equal(3, data.GetProperty("missing").GetInt32());
        Assert.Equal(5, data.GetProperty("expected").GetInt32());
        var gap = Assert.Single(data.GetProperty("gaps").EnumerateArray());
        Assert.Equal("2025-01-15T00:02:00.000000Z", gap.GetProperty("start").GetString());
        Assert.Equal("2025-01-15T00:05:00.000000Z", gap.GetProperty("end").GetString());
    }

    [Fact]
    public async Task Coverage_of_an_instrument_without_data_is_empty_not_an_error()
    {
        await using var api = await RunningApi.StartAsync();
        var data = (await api.GetJsonAsync("/coverage/kraken/BTC/USD/spot/1h")).GetProperty("data");
        Assert.Equal(System.Text.Json.JsonValueKind.Null, data.GetProperty("first").ValueKind);
        Assert.Equal(0, data.GetProperty("count").GetInt32());
        Assert.Equal(0, data.GetProperty("gaps").GetArrayLength());
    }
}
