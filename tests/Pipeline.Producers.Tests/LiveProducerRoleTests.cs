using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Plumbing;
using Pipeline.Plumbing.Configuration;
using Pipeline.Plumbing.Topics;
using Pipeline.Producers.Venues;
using Pipeline.Schemas.V1;
using Pipeline.Testing;
using Xunit;

namespace Pipeline.Producers.Tests;

/// <summary>The producers role with LiveExchanges on, pointed by configuration at a venue (here a fake one).</summary>
public sealed class LiveProducerRoleTests
{
    [Fact]
    public async Task With_live_exchanges_on_the_role_streams_the_configured_venue_and_off_it_does_not_connect()
    {
        await using var server = await FakeExchangeServer.StartAsync(async socket =>
        {
            await socket.ReceiveAsync();
            for (var id = 1; id <= 10; id++)
                await socket.SendAsync(
                    $$"""{"type":"match","trade_id":{{id}}"""
                        + ""","side":"buy","size":"0.1","price":"95000.5","product_id":"BTC-USD","time":"2025-01-01"""
                        + $$"""T00:00:0{{id % 10}}.5Z"}"""
                );
            await socket.HoldAsync();
        });
        await using var kafka = await TestKafka.StartAsync(partitions: 1);
        var environment = new Dictionary<string, string?>
        {
            ["PIPELINE__LIVEEXCHANGES"] = "true",
            ["PIPELINE__SIMULATOR__ENABLED"] = "false",
            ["PIPELINE__EXCHANGES__COINBASE__WEBSOCKET"] = server.WebSocketBase.ToString(),
            ["PIPELINE__EXCHANGES__COINBASE__REST"] = server.RestBase.ToString(),
        };
        var options = PipelineConfiguration.Load(environment: environment, venues: VenueRegistry.Default);
        using var stop = new CancellationTokenSource();
        var role = ProducerRole.RunAsync(new PipelineContext(options, kafka.Settings, null, NullLoggerFactory.Instance), stop.Token);
        using var reader = new TopicReader<Trade>(kafka.Settings, TopicCatalog.RawTrades.Name);
        var trades = await Eventually.GetAsync(
            () => Task.FromResult(reader.Poll()),
            r => r.Count >= 10 || role.IsCompleted,
            TimeSpan.FromSeconds(60),
            "10 live trades"
        );
        stop.Cancel();
        await role;
        Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i), trades.Select(t => t.Value.TradeId));
        Assert.All(
            trades,
            t => Assert.Equal(("coinbase:BTC/USD:spot", Origin.Live, AggressorSide.Sell), (t.Key, t.Value.Origin, t.Value.Aggressor))
        );
        // only the coinbase listing points here; the other venues' public addresses are unreachable offline
        Assert.Equal(1, server.Connections);

        // The offline default: no live connection is made.
        var offline = PipelineConfiguration.Load(
            environment: new Dictionary<string, string?>(environment) { ["PIPELINE__LIVEEXCHANGES"] = "false" }
        );
        using var stop2 = new CancellationTokenSource();
        var idle = ProducerRole.RunAsync(new PipelineContext(offline, kafka.Settings, null, NullLoggerFactory.Instance), stop2.Token);
        stop2.Cancel();
        await idle;
        Assert.Equal(1, server.Connections);
    }

    [Theory]
    [InlineData(
        "PIPELINE__EXCHANGES__COINBASE__WEBSOCKET",
        "http://127.0.0.1:1",
        "configuration: Exchanges:COINBASE:WebSocket 'http://127.0.0.1:1' is not a ws/wss URL (PIPELINE__EXCHANGES__COINBASE__WEBSOCKET)"
    )]
    [InlineData(
        "PIPELINE__EXCHANGES__BINANSE__REST",
        "https://api.binance.com",
        "configuration: Exchanges:BINANSE is not a venue with a connector; use one of binance, coinbase, kraken, hyperliquid, bybit, "
            + "okx, yahoo"
    )]
    public void A_bad_exchange_endpoint_override_fails_start_up_with_one_line(string variable, string value, string expected)
    {
        var e = Assert.Throws<PipelineConfigurationException>(() =>
            PipelineConfiguration.Load(environment: new Dictionary<string, string?> { [variable] = value }, venues: VenueRegistry.Default)
        );
        Assert.Equal(expected, Assert.Single(e.Problems));
    }

    [Fact]
    public void Endpoint_overrides_replace_only_the_parts_given()
    {
        var endpoints = VenueEndpoints.Configured(
            VenueRegistry.Default.Get("kraken"),
            new Dictionary<string, ExchangeEndpointOptions> { ["KRAKEN"] = new() { Rest = "http://127.0.0.1:8081" } }
        );
        Assert.Equal(new Uri("wss://ws.kraken.com/v2"), endpoints.WebSocket);
        Assert.Equal(new Uri("http://127.0.0.1:8081"), endpoints.Rest);
    }
}
