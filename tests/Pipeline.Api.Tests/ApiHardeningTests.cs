// Hostile or unusual requests (issues 12 and 18): each gets a clear 4xx problem+json, and answers do not depend on what was asked before.
using System.Net;
using System.Text.Json;

namespace Pipeline.Api.Tests;

public sealed class ApiHardeningTests
{
    // Regression (issue 18): a NUL byte reached PostgreSQL and came back as 503 "database unavailable".
    [Theory]
    [InlineData("/indicators/binance/BTC/USDT/spot/1m?indicator=rsi%00(14)", "indicator")]
    [InlineData("/candles/binance/BTC/USDT/spot/1m?start=2025-01-01%00", "start")]
    public async Task A_nul_byte_in_a_parameter_is_a_400_naming_it(string path, string parameter)
    {
        await using var api = await RunningApi.StartAsync();
        using var response = await api.Http.GetAsync(path);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(parameter, await response.Content.ReadAsStringAsync());
    }

    // Kestrel itself refuses a NUL in the path, before any middleware runs (so its answer has no body we could shape).
    [Fact]
    public async Task A_nul_byte_in_the_path_is_refused_before_it_reaches_the_database()
    {
        await using var api = await RunningApi.StartAsync();
        using var response = await api.Http.GetAsync("/candles/bin%00ance/BTC/USDT/spot/1m");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await api.Http.GetAsync("/health")).StatusCode);
    }

    // Regression (issue 18): the output cache keyed paths case-insensitively, so /1M (not an interval) was answered
    // from the cached /1m page, and the other way round, depending on which was asked first.
    [Fact]
    public async Task A_cached_answer_is_never_served_for_a_differently_cased_request()
    {
        await using var api = await RunningApi.StartAsync();
        await api.InsertCandleAsync("2025-01-15T00:00:00Z", "1", "1", "1", "1", "1");
        const string q = "?start=2025-01-15T00:00:00Z&end=2025-01-15T00:05:00Z";

        using var ok = await api.Http.GetAsync("/candles/binance/BTC/USDT/spot/1m" + q);
        using var month = await api.Http.GetAsync("/candles/binance/BTC/USDT/spot/1M" + q);

        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, month.StatusCode);
    }

    // Regression (issue 12): an unknown indicator answered 200 with empty data.
    [Theory]
    [InlineData("foo(3)")]
    [InlineData("rsi(x)")]
    public async Task An_unknown_indicator_is_a_400_listing_the_ones_that_exist(string indicator)
    {
        await using var api = await RunningApi.StartAsync();
        await api.ExecuteAsync(
            """
            INSERT INTO indicators (time, instrument_id, interval, indicator, fields)
            SELECT '2025-01-15T00:00:00Z', i.id, '1m', name, '{"v": 1}'
            FROM instruments i, unnest(ARRAY['rsi(14)', 'sma(20)']) name
            WHERE i.exchange = 'binance' AND i.base = 'BTC' AND i.quote = 'USDT' AND i.market = 'spot'
            """
        );

        using var response = await api.Http.GetAsync($"/indicators/binance/BTC/USDT/spot/1m?indicator={Uri.EscapeDataString(indicator)}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var detail = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("detail").GetString();
        Assert.Contains("rsi(14)", detail);
        Assert.Contains("sma(20)", detail);
    }

    // Regression (issue 12): times printed with 0-7 fractional digits did not sort as strings.
    [Fact]
    public async Task Trade_times_have_exactly_six_fractional_digits_and_sort_as_strings()
    {
        await using var api = await RunningApi.StartAsync();
        var at = new DateTime(2025, 1, 15, 0, 0, 0, DateTimeKind.Utc);
        await api.ExecuteAsync("SELECT pipeline_ensure_day_partitions('trades', $1, $1)", at);
        await api.ExecuteAsync(
            """
            INSERT INTO trades (time, instrument_id, trade_id, price, size, aggressor, origin)
            SELECT $1 + d, i.id, n, 1, 1, 1, 1
            FROM instruments i, unnest(ARRAY[interval '0', interval '0.5 s', interval '0.000001 s', interval '0.12345 s',
                interval '1 s']) WITH ORDINALITY u(d, n)
            WHERE i.exchange = 'binance' AND i.base = 'BTC' AND i.quote = 'USDT' AND i.market = 'spot'
            """,
            at
        );

        var times = (await api.GetJsonAsync("/trades/binance/BTC/USDT/spot?start=2025-01-15T00:00:00Z&end=2025-01-15T00:01:00Z"))
            .GetProperty("data")
            .EnumerateArray()
            .Select(t => t.GetProperty("time").GetString()!)
            .ToList();

        Assert.Equal(
            [
                "2025-01-15T00:00:00.000000Z",
                "2025-01-15T00:00:00.000001Z",
                "2025-01-15T00:00:00.123450Z",
                "2025-01-15T00:00:00.500000Z",
                "2025-01-15T00:00:01.000000Z",
            ],
            times
        );
        Assert.Equal(times.Order(StringComparer.Ordinal), times);
    }
}
