// /health is liveness; /ready says whether the database and Kafka are reachable; /instruments lists listings.
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Pipeline.Testing;

namespace Pipeline.Api.Tests;

public sealed class ApiHealthTests
{
    [Fact]
    public async Task Ready_is_true_with_database_and_broker_reachable()
    {
        await using var kafka = await TestKafka.StartAsync(partitions: 1);
        await using var api = await RunningApi.StartAsync(kafka.Settings);

        using var response = await api.Http.GetAsync("/ready");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("ready").GetBoolean());
    }

    [Fact]
    public async Task Ready_is_false_while_the_broker_is_unreachable_but_health_stays_ok()
    {
        await using var api = await RunningApi.StartAsync(); // Kafka at 127.0.0.1:1: nobody listens

        using var ready = await api.Http.GetAsync("/ready");
        using var health = await api.Http.GetAsync("/health");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        var body = await ready.Content.ReadFromJsonAsync<JsonElement>();
        Assert.False(body.GetProperty("ready").GetBoolean());
        Assert.Equal("ok", body.GetProperty("database").GetString());
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task Ready_goes_false_while_the_database_is_unreachable_and_true_again_after()
    {
        await using var kafka = await TestKafka.StartAsync(partitions: 1);
        await using var api = await RunningApi.StartAsync(kafka.Settings, databaseViaProxy: true);
        async Task<(HttpStatusCode, JsonElement)> Ready()
        {
            using var r = await api.Http.GetAsync("/ready");
            return (r.StatusCode, await r.Content.ReadFromJsonAsync<JsonElement>());
        }
        Assert.Equal(HttpStatusCode.OK, (await Ready()).Item1);

        api.DatabaseProxy!.Cut();
        var (down, body) = await Eventually.GetAsync(Ready, r => r.Item1 != HttpStatusCode.OK, what: "/ready to notice the outage");
        using var candles = await api.Http.GetAsync("/candles/binance/BTC/USDT/spot/1m");
        api.DatabaseProxy.Restore();
        var (up, _) = await Eventually.GetAsync(Ready, r => r.Item1 == HttpStatusCode.OK, what: "/ready to recover");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, down);
        Assert.NotEqual("ok", body.GetProperty("database").GetString());
        Assert.Equal("ok", body.GetProperty("kafka").GetString());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, candles.StatusCode);
        Assert.Equal("application/problem+json", candles.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.OK, up);
    }

    [Fact]
    public async Task Instruments_lists_the_registered_listings_with_their_data_span()
    {
        await using var api = await RunningApi.StartAsync();
        await api.InsertCandleAsync("2025-01-15T00:00:00Z", "100", "100", "100", "100", "1");
        await api.InsertCandleAsync("2025-01-15T00:09:00Z", "100", "100", "100", "100", "1");

        var body = await api.GetJsonAsync("/instruments");

        var list = body.GetProperty("data").EnumerateArray().ToList();
        Assert.Contains(list, i => i.GetProperty("exchange").GetString() == "hyperliquid" && i.GetProperty("market").GetString() == "perp");
        Assert.Contains(list, i => i.GetProperty("exchange").GetString() == "sim" && i.GetProperty("base").GetString() == "SOL");
        var btc = list.Single(i => i.GetProperty("exchange").GetString() == "binance" && i.GetProperty("base").GetString() == "BTC");
        Assert.Equal("BTCUSDT", btc.GetProperty("symbol").GetString());
        Assert.Equal("2025-01-15T00:00:00.000000Z", btc.GetProperty("first").GetString());
        Assert.Equal("2025-01-15T00:09:00.000000Z", btc.GetProperty("last").GetString());
        Assert.Contains("1m", btc.GetProperty("intervals").EnumerateArray().Select(e => e.GetString()));
    }
}
