using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Plumbing.Configuration;
using Pipeline.Producers.Venues;
using Pipeline.Schemas.V1;
using Xunit;

namespace Pipeline.Producers.Tests;

/// <summary>Each venue's REST candle format (documented layouts) becomes our closed exchange candles.</summary>
public sealed class VenueCandleHistoryTests
{
    private const long T0 = 1_735_689_600; // 2025-01-01T00:00:00Z, seconds

    private static async Task<List<Candle>> CandlesAsync(
        string exchange,
        string symbol,
        MarketType market,
        Action<WebApplication> routes,
        string interval = "1m",
        int minutes = 3
    )
    {
        await using var server = await FakeExchangeServer.StartAsync(_ => Task.CompletedTask, routes);
        var venue = VenueRegistry.Default.Get(exchange);
        using var guard = new VenueGuard(venue, new ConnectionOptions { RestRequestsPerSecond = 100 });
        using var http = new HttpClient();
        var history = venue.CreateHistory(new VenueHttp(http, guard, NullLogger.Instance), server.RestBase);
        var listing = new VenueListing(InstrumentRef.Create(exchange, "BTC", "USD", market), symbol, [interval]);
        var candles = new List<Candle>();
        await foreach (var page in history.CandlePagesAsync(listing, interval, T0 * 1_000_000, (T0 + minutes * 60) * 1_000_000, default))
            candles.AddRange(page);
        Assert.Empty(server.Faults);
        return candles;
    }

    [Fact]
    public async Task Coinbase_candles_are_time_low_high_open_close_volume_newest_first()
    {
        var candles = await CandlesAsync(
            "coinbase",
            "BTC-USD",
            MarketType.Spot,
            app =>
                app.MapGet(
                    "/products/{product}/candles",
                    (string product, int granularity) =>
                    {
                        Assert.Equal(("BTC-USD", 60), (product, granularity));
                        // Documented: [ time, low, high, open, close, volume ], newest first, JSON numbers.
                        return Results.Text(
                            $"[[{T0 + 120},93500.01,93600.5,93550,93580.25,1.5],[{T0 + 60},93400,93560,93420.5,93550,2.25],[{T0},"
                                + "93300,93450,93310,93420.5,0.75]]",
                            "application/json"
                        );
                    }
                )
        );
        Assert.Equal([T0, T0 + 60, T0 + 120], candles.Select(c => c.OpenTimeUs / 1_000_000));
        var c = candles[2];
        Assert.Equal(
            ("93550", "93600.5", "93500.01", "93580.25", "1.5"),
            (
                c.Open.ToInvariantString(),
                c.High.ToInvariantString(),
                c.Low.ToInvariantString(),
                c.Close.ToInvariantString(),
                c.Volume.ToInvariantString()
            )
        );
        Assert.All(candles, x => Assert.Equal((CandleSource.Exchange, Origin.Backfill, true), (x.Source, x.Origin, x.Closed)));
    }

    [Fact]
    public async Task Kraken_ohlc_rows_carry_vwap_volume_and_count()
    {
        var candles = await CandlesAsync(
            "kraken",
            "BTC/USD",
            MarketType.Spot,
            app =>
                app.MapGet(
                    "/0/public/OHLC",
                    (string pair, int interval) =>
                    {
                        Assert.Equal(("XBTUSD", 1), (pair, interval));
                        // Documented: [int <time>, string <open>, string <high>, string <low>, string <close>, string <vwap>, string
                        // <volume>, int <count>]
                        return Results.Text(
                            $$"""{"error":[],"result":{"XXBTZUSD":[[{{T0}}"""
                                + $$""","93310.0","93450.0","93300.0","93420.5","93380.2","0.75000000",12],[{{T0 + 60}}"""
                                + $$""","93420.5","93560.0","93400.0","93550.0","93490.1","2.25000000",30]],"last":{{T0 + 60}}"""
                                + "}}",
                            "application/json"
                        );
                    }
                )
        );
        Assert.Equal([T0, T0 + 60], candles.Select(c => c.OpenTimeUs / 1_000_000));
        Assert.Equal(
            ("93380.2", "0.75000000", 12L),
            (candles[0].Vwap.ToInvariantString(), candles[0].Volume.ToInvariantString(), candles[0].TradeCount)
        );
    }

    [Fact]
    public async Task Hyperliquid_candle_snapshot_is_requested_by_coin_and_interval_in_milliseconds()
    {
        JsonNode? request = null;
        var candles = await CandlesAsync(
            "hyperliquid",
            "BTC",
            MarketType.Perp,
            app =>
                app.MapPost(
                    "/info",
                    async (HttpContext http) =>
                    {
                        var body = await JsonNode.ParseAsync(http.Request.Body);
                        request ??= body;
                        return Results.Text(
                            $$"""[{"t":{{T0 * 1000}},"T":{{T0 * 1000 + 59_999}}"""
                                + ""","s":"BTC","i":"1m","o":"93310.0","c":"93420.5","h":"93450.0","l":"93300.0","v":"12.5","n":140}]""",
                            "application/json"
                        );
                    }
                )
        );
        Assert.Equal("candleSnapshot", (string)request!["type"]!);
        Assert.Equal(
            ("BTC", "1m", T0 * 1000),
            ((string)request["req"]!["coin"]!, (string)request["req"]!["interval"]!, (long)request["req"]!["startTime"]!)
        );
        var c = Assert.Single(candles);
        Assert.Equal(
            (T0 * 1_000_000, (T0 + 60) * 1_000_000, "12.5", 140L),
            (c.OpenTimeUs, c.CloseTimeUs, c.Volume.ToInvariantString(), c.TradeCount)
        );
        Assert.Equal("hyperliquid:BTC/USD:perp", c.Instrument.Key);
    }
}
