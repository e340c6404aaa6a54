// Regression (issue 12): `limit` without `start` answered the last N intervals before now, so imported (older) history
// came back as []. It must answer the N latest rows that exist before `end`, in time order.
namespace Pipeline.Api.Tests;

public sealed class LatestHistoryTests
{
    [Fact]
    public async Task Limit_without_start_returns_the_latest_existing_candles_of_old_history()
    {
        await using var api = await RunningApi.StartAsync();
        var t0 = new DateTime(2021, 3, 1, 0, 0, 0, DateTimeKind.Utc);
        for (var i = 0; i < 8; i++)
            await api.InsertCandleAsync(t0.AddMinutes(i).ToString("O"), $"{100 + i}", $"{100 + i}", $"{100 + i}", $"{100 + i}", "1");

        var body = await api.GetJsonAsync("/candles/binance/BTC/USDT/spot/1m?limit=5");

        var closes = body.GetProperty("data").EnumerateArray().Select(c => c.GetProperty("close").GetString()).ToList();
        Assert.Equal(["103", "104", "105", "106", "107"], closes);
    }

    [Fact]
    public async Task Limit_without_start_returns_the_latest_existing_trades_of_old_history()
    {
        await using var api = await RunningApi.StartAsync();
        var at = new DateTime(2021, 3, 1, 0, 0, 0, DateTimeKind.Utc);
        await api.ExecuteAsync("SELECT pipeline_ensure_day_partitions('trades', $1, $1)", at);
        // Three trades share the oldest timestamp of the answer: the latest 3 by (time, id) are 1005, 1006, 1007.
        await api.ExecuteAsync(
            """
            INSERT INTO trades (time, instrument_id, trade_id, price, size, aggressor, origin)
            SELECT $1 + ((CASE WHEN n < 6 THEN 0 ELSE n END) * interval '1 second'), i.id, 1000 + n, 100 + n, 1, 1, 3
            FROM instruments i, generate_series(0, 7) n
            WHERE i.exchange = 'binance' AND i.base = 'BTC' AND i.quote = 'USDT' AND i.market = 'spot'
            """,
            at
        );

        var body = await api.GetJsonAsync("/trades/binance/BTC/USDT/spot?limit=3");

        Assert.Equal([1005L, 1006L, 1007L], body.GetProperty("data").EnumerateArray().Select(t => t.GetProperty("trade_id").GetInt64()));
    }

    [Fact]
    public async Task Limit_without_start_returns_the_latest_existing_indicator_values_of_old_history()
    {
        await using var api = await RunningApi.StartAsync();
        var t0 = new DateTime(2021, 3, 1, 0, 0, 0, DateTimeKind.Utc);
        await api.ExecuteAsync(
            """
            INSERT INTO indicators (time, instrument_id, interval, indicator, fields)
            SELECT $1 + n * interval '1 minute', i.id, '1m', 'sma(2)', jsonb_build_object('sma', n)
            FROM instruments i, generate_series(0, 9) n
            WHERE i.exchange = 'binance' AND i.base = 'BTC' AND i.quote = 'USDT' AND i.market = 'spot'
            """,
            t0
        );

        var body = await api.GetJsonAsync("/indicators/binance/BTC/USDT/spot/1m?indicator=sma(2)&limit=2");

        Assert.Equal([8, 9], body.GetProperty("data").EnumerateArray().Select(v => v.GetProperty("values").GetProperty("sma").GetInt32()));
    }
}
