// GET /trades and GET /indicators: stored rows unchanged, paged by cursor in a stable order.
using System.Text.Json;

namespace Pipeline.Api.Tests;

public sealed class TradeAndIndicatorHistoryTests
{
    private static async Task InsertTradesAsync(RunningApi api, int count, DateTime at)
    {
        await api.ExecuteAsync("SELECT pipeline_ensure_day_partitions('trades', $1, $1)", at);
        // Two trades share each timestamp: the cursor must page through ties by trade id.
        await api.ExecuteAsync(
            """
            INSERT INTO trades (time, instrument_id, trade_id, price, size, aggressor, origin)
            SELECT $1 + ((n / 2) * interval '1 millisecond'), i.id, 1000 + n, 96000.10000000 + n, 0.00100000, 1 + n % 2, 1
            FROM instruments i, generate_series(0, $2 - 1) n
            WHERE i.exchange = 'binance' AND i.base = 'BTC' AND i.quote = 'USDT'
            """,
            at,
            count
        );
    }

    [Fact]
    public async Task Trades_page_by_cursor_through_equal_timestamps_without_repeats()
    {
        await using var api = await RunningApi.StartAsync();
        var at = new DateTime(2025, 1, 15, 0, 0, 0, DateTimeKind.Utc);
        await InsertTradesAsync(api, 25, at);

        var ids = new List<long>();
        string? cursor = null;
        JsonElement first = default;
        do
        {
            var body = await api.GetJsonAsync(
                "/trades/binance/BTC/USDT/spot?start=2025-01-15T00:00:00Z&end=2025-01-15T01:00:00Z&limit=4"
                    + (cursor is null ? "" : "&cursor=" + cursor)
            );
            if (ids.Count == 0)
                first = body.GetProperty("data")[0].Clone();
            ids.AddRange(body.GetProperty("data").EnumerateArray().Select(t => t.GetProperty("trade_id").GetInt64()));
            cursor = body.GetProperty("metadata").GetProperty("next_cursor").GetString();
        } while (cursor is not null && ids.Count < 100);

        Assert.Equal(Enumerable.Range(1000, 25).Select(i => (long)i), ids);
        Assert.Equal("96000.10000000", first.GetProperty("price").GetString());
        Assert.Equal("0.00100000", first.GetProperty("size").GetString());
        Assert.Equal("buy", first.GetProperty("side").GetString());
        Assert.Equal("2025-01-15T00:00:00.000000Z", first.GetProperty("time").GetString());
    }

    [Fact]
    public async Task Trades_range_over_31_days_is_refused()
    {
        await using var api = await RunningApi.StartAsync();
        using var response = await api.Http.GetAsync("/trades/binance/BTC/USDT/spot?start=2025-01-01T00:00:00Z&end=2025-03-01T00:00:00Z");
        Assert.Equal(400, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Indicators_are_returned_per_time_and_name_with_null_during_warm_up()
    {
        await using var api = await RunningApi.StartAsync();
        await api.ExecuteAsync(
            """
            INSERT INTO indicators (time, instrument_id, interval, indicator, fields, candle_revision)
            SELECT '2025-01-15T00:00:00Z'::timestamptz + m * interval '1 minute', i.id, '1m', name,
                   CASE WHEN m = 0 THEN '{"value": null}'::jsonb ELSE jsonb_build_object('value', 50 + m) END, 0
            FROM instruments i, generate_series(0, 4) m, unnest(ARRAY['ema(3)', 'rsi(14)']) name
            WHERE i.exchange = 'binance' AND i.base = 'BTC' AND i.quote = 'USDT'
            """
        );

        var all = await api.GetJsonAsync(
            "/indicators/binance/BTC/USDT/spot/1m?start=2025-01-15T00:00:00Z&end=2025-01-15T00:05:00Z&limit=3"
        );
        var rsi = await api.GetJsonAsync(
            "/indicators/binance/BTC/USDT/spot/1m?start=2025-01-15T00:00:00Z&end=2025-01-15T00:05:00Z&indicator=rsi(14)"
        );

        var page = all.GetProperty("data")
            .EnumerateArray()
            .Select(v => $"{v.GetProperty("time").GetString()![14..16]} {v.GetProperty("indicator").GetString()}");
        Assert.Equal(["00 ema(3)", "00 rsi(14)", "01 ema(3)"], page);
        Assert.NotEqual(JsonValueKind.Null, all.GetProperty("metadata").GetProperty("next_cursor").ValueKind);
        var values = rsi.GetProperty("data").EnumerateArray().Select(v => v.GetProperty("values").GetProperty("value")).ToList();
        Assert.Equal(5, values.Count);
        Assert.Equal(JsonValueKind.Null, values[0].ValueKind);
        Assert.Equal(54, values[4].GetDouble());

        var next = await api.GetJsonAsync(
            "/indicators/binance/BTC/USDT/spot/1m?start=2025-01-15T00:00:00Z&end=2025-01-15T00:05:00Z&limit=3&cursor="
                + all.GetProperty("metadata").GetProperty("next_cursor").GetString()
        );
        Assert.Equal(
            ["01 rsi(14)", "02 ema(3)", "02 rsi(14)"],
            next.GetProperty("data")
                .EnumerateArray()
                .Select(v => $"{v.GetProperty("time").GetString()![14..16]} {v.GetProperty("indicator").GetString()}")
        );
    }

    [Fact]
    public async Task A_candles_cursor_is_refused_on_the_trades_route()
    {
        await using var api = await RunningApi.StartAsync();
        for (var i = 0; i < 3; i++)
            await api.InsertCandleAsync($"2025-01-15T00:0{i}:00Z", "1", "1", "1", "1", "1");
        var candles = await api.GetJsonAsync(
            "/candles/binance/BTC/USDT/spot/1m?start=2025-01-15T00:00:00Z&end=2025-01-15T00:10:00Z&limit=1"
        );
        var cursor = candles.GetProperty("metadata").GetProperty("next_cursor").GetString();

        using var response = await api.Http.GetAsync(
            "/trades/binance/BTC/USDT/spot?start=2025-01-15T00:00:00Z&end=2025-01-15T00:10:00Z&cursor=" + cursor
        );

        Assert.Equal(400, (int)response.StatusCode);
        Assert.Contains("cursor", await response.Content.ReadAsStringAsync());
    }
}
