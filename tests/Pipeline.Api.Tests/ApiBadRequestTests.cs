// Every bad parameter gets a 4xx application/problem+json answer saying what is wrong; never a 500.
using System.Net;
using System.Text.Json;

namespace Pipeline.Api.Tests;

public sealed class ApiBadRequestTests : IAsyncLifetime
{
    private RunningApi _api = null!;

    public async Task InitializeAsync() => _api = await RunningApi.StartAsync();

    public async Task DisposeAsync() => await _api.DisposeAsync();

    [Theory]
    [InlineData("/candles/binance/BTC/USDT/spot/7m", 400, "interval")]
    [InlineData("/candles/binance/BTC/USDT/spot/1m?start=2025-01-15T01:00:00Z&end=2025-01-15T00:00:00Z", 400, "start")]
    [InlineData("/candles/binance/BTC/USDT/spot/1m?start=yesterday", 400, "start")]
    [InlineData("/candles/binance/BTC/USDT/spot/1m?end=2025-13-45", 400, "end")]
    [InlineData("/candles/binance/BTC/USDT/spot/1m?limit=0", 400, "limit")]
    [InlineData("/candles/binance/BTC/USDT/spot/1m?limit=10001", 400, "limit")]
    [InlineData("/candles/binance/BTC/USDT/spot/1m?limit=ten", 400, "limit")]
    [InlineData("/candles/binance/BTC/USDT/spot/1m?start=2000-01-01T00:00:00Z&end=2025-01-01T00:00:00Z", 400, "end")]
    [InlineData("/candles/binance/BTC/USDT/spot/1m?cursor=not-a-cursor", 400, "cursor")]
    [InlineData("/candles/binance/BTC/USDT/spot/1m?fill=maybe", 400, "fill")]
    [InlineData("/candles/binance/BTC/USDT/spot/1m?source=mine", 400, "source")]
    [InlineData("/candles/binance/BTC/USDT/swap/1m", 400, "market")]
    [InlineData("/candles/binance/DOGE/USDT/spot/1m", 404, "not registered")]
    [InlineData("/no/such/route", 404, null)]
    public async Task Bad_request_gets_a_problem_json_answer(string path, int status, string? mentions)
    {
        using var response = await _api.Http.GetAsync(path);

        Assert.Equal((HttpStatusCode)status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(status, problem.GetProperty("status").GetInt32());
        if (mentions is not null)
            Assert.Contains(mentions, problem.GetProperty("title").GetString() + " " + problem.GetProperty("detail").GetString());
        // The API is still healthy afterwards.
        Assert.Equal(HttpStatusCode.OK, (await _api.Http.GetAsync("/health")).StatusCode);
    }
}
