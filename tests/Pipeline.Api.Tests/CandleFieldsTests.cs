// Regression (issue 12): the API left out taker-buy volumes, VWAP and first/last trade id although the database stores them.
using System.Text.Json;

namespace Pipeline.Api.Tests;

public sealed class CandleFieldsTests
{
    [Fact]
    public async Task Every_stored_candle_field_is_served_and_unknown_ones_are_null()
    {
        await using var api = await RunningApi.StartAsync();
        var t = new DateTime(2024, 5, 6, 0, 0, 0, DateTimeKind.Utc);
        await api.ExecuteAsync("SELECT pipeline_ensure_day_partitions('candles', $1, $1)", t);
        // Binance kline 1m BTCUSDT 2024-05-06 00:00 (its own taker-buy columns), and a venue without the aggressor side a minute later.
        await api.ExecuteAsync(
            """
            INSERT INTO candles (time, instrument_id, interval, source, open, high, low, close, volume, quote_volume, trade_count,
                                 taker_buy_volume, taker_buy_quote_volume, vwap, first_trade_id, last_trade_id, closed, revision)
            SELECT $1, id, '1m', 1, 63891.99, 63950.00, 63880.01, 63940.00, 21.53420000, 1376409.85770140, 1554,
                   12.12420000, 775024.10371350, 63917.08412345, 3590612800, 3590614353, true, 0
            FROM instruments WHERE exchange = 'binance' AND base = 'BTC' AND quote = 'USDT' AND market = 'spot'
            """,
            t
        );
        await api.ExecuteAsync(
            """
            INSERT INTO candles (time, instrument_id, interval, source, open, high, low, close, volume, quote_volume, trade_count,
                closed, revision)
            SELECT $1 + interval '1 minute', id, '1m', 1, 1, 1, 1, 1, 2, 2, 1, true, 0
            FROM instruments WHERE exchange = 'binance' AND base = 'BTC' AND quote = 'USDT' AND market = 'spot'
            """,
            t
        );

        var data = (
            await api.GetJsonAsync("/candles/binance/BTC/USDT/spot/1m?start=2024-05-06T00:00:00Z&end=2024-05-06T00:02:00Z")
        ).GetProperty("data");

        Assert.Equal("12.12420000", data[0].GetProperty("taker_buy_volume").GetString());
        Assert.Equal("775024.10371350", data[0].GetProperty("taker_buy_quote_volume").GetString());
        Assert.Equal("63917.08412345", data[0].GetProperty("vwap").GetString());
        Assert.Equal(3590612800, data[0].GetProperty("first_trade_id").GetInt64());
        Assert.Equal(3590614353, data[0].GetProperty("last_trade_id").GetInt64());
        Assert.Equal("1376409.85770140", data[0].GetProperty("quote_volume").GetString());
        Assert.Equal(1554, data[0].GetProperty("trade_count").GetInt64());
        foreach (var field in new[] { "taker_buy_volume", "taker_buy_quote_volume", "vwap", "first_trade_id", "last_trade_id" })
            Assert.Equal(JsonValueKind.Null, data[1].GetProperty(field).ValueKind);

        // The answer byte for byte (compact JSON, fields in the documented order, decimals as strings with their stored
        // scale): the body is assembled from pre-rendered candles, so a separator or bracket out of place must show.
        using var response = await api.Http.GetAsync(
            "/candles/binance/BTC/USDT/spot/1m?start=2024-05-06T00:00:00Z&end=2024-05-06T00:02:00Z&limit=1"
        );
        var cursor = Convert.ToBase64String("candles|1714953660000000"u8.ToArray()).TrimEnd('=');
        Assert.Equal(
            "{\"data\":[{\"time\":\"2024-05-06T00:00:00.000000Z\",\"open\":\"63891.99\",\"high\":\"63950.00\","
                + "\"low\":\"63880.01\",\"close\":\"63940.00\",\"volume\":\"21.53420000\",\"quote_volume\":\"1376409.85770140\","
                + "\"trade_count\":1554,\"taker_buy_volume\":\"12.12420000\",\"taker_buy_quote_volume\":\"775024.10371350\","
                + "\"vwap\":\"63917.08412345\",\"first_trade_id\":3590612800,\"last_trade_id\":3590614353,\"closed\":true,"
                + "\"revision\":0,\"filled\":false}],"
                + "\"metadata\":{\"exchange\":\"binance\",\"base\":\"BTC\",\"quote\":\"USDT\",\"market\":\"spot\",\"interval\":\"1m\","
                + "\"source\":\"aggregated\",\"start\":\"2024-05-06T00:00:00.000000Z\",\"end\":\"2024-05-06T00:02:00.000000Z\","
                + $"\"limit\":1,\"count\":1,\"fill\":false,\"version\":\"live\",\"next_cursor\":\"{cursor}\"}}}}",
            await response.Content.ReadAsStringAsync()
        );
    }
}
