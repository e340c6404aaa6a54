// GET /candles: stored candles come back unchanged, as strings and ISO-8601 UTC times, paged by cursor.
using System.Text.Json;

namespace Pipeline.Api.Tests;

public sealed class CandleHistoryTests
{
    [Fact]
    public async Task Candles_come_back_exactly_as_stored_with_decimals_as_strings()
    {
        await using var api = await RunningApi.StartAsync();
        await api.InsertCandleAsync(
            "2025-01-15T00:00:00Z",
            "96123.45000000",
            "96130.00000000",
            "96100.01000000",
            "96110.99000000",
            "12.34500000"
        );
        await api.InsertCandleAsync("2025-01-15T00:01:00Z", "0.00001305", "0.00001310", "0.00001300", "0.00001301", "1000000");

        var body = await api.GetJsonAsync("/candles/binance/BTC/USDT/spot/1m?start=2025-01-15T00:00:00Z&end=2025-01-15T00:05:00Z");

        var data = body.GetProperty("data");
        Assert.Equal(2, data.GetArrayLength());
        Assert.Equal("2025-01-15T00:00:00.000000Z", data[0].GetProperty("time").GetString());
        Assert.Equal("96123.45000000", data[0].GetProperty("open").GetString());
        Assert.Equal("96130.00000000", data[0].GetProperty("high").GetString());
        Assert.Equal("96100.01000000", data[0].GetProperty("low").GetString());
        Assert.Equal("96110.99000000", data[0].GetProperty("close").GetString());
        Assert.Equal("12.34500000", data[0].GetProperty("volume").GetString());
        Assert.Equal("0.00001305", data[1].GetProperty("open").GetString());
        Assert.False(data[1].GetProperty("filled").GetBoolean());
        var meta = body.GetProperty("metadata");
        Assert.Equal("binance", meta.GetProperty("exchange").GetString());
        Assert.Equal("BTC", meta.GetProperty("base").GetString());
        Assert.Equal("USDT", meta.GetProperty("quote").GetString());
        Assert.Equal("spot", meta.GetProperty("market").GetString());
        Assert.Equal("1m", meta.GetProperty("interval").GetString());
        Assert.Equal(2, meta.GetProperty("count").GetInt32());
        Assert.Equal(JsonValueKind.Null, meta.GetProperty("next_cursor").ValueKind);
    }

    [Fact]
    public async Task Instrument_path_is_case_insensitive_and_other_listings_are_not_mixed_in()
    {
        await using var api = await RunningApi.StartAsync();
        await api.InsertCandleAsync("2025-01-15T00:00:00Z", "100", "100", "100", "100", "1");
        await api.InsertCandleAsync("2025-01-15T00:00:00Z", "200", "200", "200", "200", "1", exchange: "coinbase", quote: "USD");

        var body = await api.GetJsonAsync("/candles/BINANCE/btc/usdt/SPOT/1m?start=2025-01-15T00:00:00Z&end=2025-01-15T00:01:00Z");

        Assert.Equal(["100"], body.GetProperty("data").EnumerateArray().Select(c => c.GetProperty("close").GetString()));
    }

    [Fact]
    public async Task Cursor_pages_return_every_candle_once_in_time_order()
    {
        await using var api = await RunningApi.StartAsync();
        var start = new DateTime(2025, 1, 15, 0, 0, 0, DateTimeKind.Utc);
        for (var i = 0; i < 25; i++)
            await api.InsertCandleAsync(start.AddMinutes(i).ToString("O"), $"{100 + i}", $"{101 + i}", $"{99 + i}", $"{100 + i}.5", "1");

        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var body = await api.GetJsonAsync(
                "/candles/binance/BTC/USDT/spot/1m?start=2025-01-15T00:00:00Z&end=2025-01-15T01:00:00Z&limit=10"
                    + (cursor is null ? "" : "&cursor=" + cursor)
            );
            seen.AddRange(body.GetProperty("data").EnumerateArray().Select(c => c.GetProperty("time").GetString()!));
            cursor = body.GetProperty("metadata").GetProperty("next_cursor").GetString();
            pages++;
        } while (cursor is not null && pages < 10);

        Assert.Equal(3, pages);
        Assert.Equal(Enumerable.Range(0, 25).Select(i => start.AddMinutes(i).ToString("yyyy-MM-dd'T'HH:mm:ss'.000000Z'")), seen);
    }
}
