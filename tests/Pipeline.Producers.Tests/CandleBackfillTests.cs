using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Plumbing.Configuration;
using Pipeline.Plumbing.Errors;
using Pipeline.Plumbing.Topics;
using Pipeline.Producers.Backfill;
using Pipeline.Producers.Publishing;
using Pipeline.Producers.Venues;
using Pipeline.Schemas.V1;
using Pipeline.Testing;
using Xunit;
using static Pipeline.Producers.Tests.BackfillJobFixture;

namespace Pipeline.Producers.Tests;

/// <summary>`pipeline backfill`: paged REST candles into candles.exchange.raw, resumable after an interruption.</summary>
public sealed class CandleBackfillTests
{
    private static readonly VenueListings Listings = new(PipelineConfiguration.DefaultInstruments());
    private static readonly DateTimeOffset Now = new(2025, 1, 10, 12, 34, 56, TimeSpan.Zero);

    [Fact]
    public async Task An_interrupted_backfill_resumes_after_the_last_acknowledged_page_and_ends_with_every_candle_once()
    {
        var requests = new List<(long Start, long End)>();
        await using var server = await FakeExchangeServer.StartAsync(
            _ => Task.CompletedTask,
            app =>
                app.MapGet(
                    "/api/v3/klines",
                    (string symbol, string interval, long startTime, long endTime, int limit) =>
                    {
                        lock (requests)
                            requests.Add((startTime, endTime));
                        // Binance klines rows; at most 100 per page here so a day takes 15 pages.
                        var rows = new JsonArray();
                        for (var t = (startTime + 59_999) / 60_000 * 60_000; t <= endTime && rows.Count < Math.Min(limit, 100); t += 60_000)
                            rows.Add(JsonNode.Parse(KlineRow(t)));
                        return Results.Text(rows.ToJsonString(), "application/json");
                    }
                )
        );
        await using var kafka = await TestKafka.StartAsync(partitions: 1);
        using var publisher = new TopicPublisher(kafka.Settings, "test-backfill", NullLogger.Instance);
        var venue = VenueRegistry.Default.Get("binance");
        using var guard = new VenueGuard(venue, new ConnectionOptions { RestRequestsPerSecond = 100 });
        using var http = new HttpClient();
        var history = venue.CreateHistory(new VenueHttp(http, guard, NullLogger.Instance), server.RestBase);
        var checkpoints = new BackfillCheckpoints(Path.Combine(TestDirectories.Create("backfill"), "checkpoints.json"));
        var request = BackfillRequest.Create(Listings, "binance", "BTC/USDT", "1m", "2025-01-01", "2025-01-02", null, Now);

        // First run: stopped (like Ctrl-C) once four pages are through.
        using (var interrupt = new CancellationTokenSource())
        {
            var first = new CandleBackfill(history, publisher, checkpoints, NullLogger.Instance);
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
                first.RunAsync(
                    request,
                    new SynchronousProgress(p =>
                    {
                        if (p.Pages == 4)
                            interrupt.Cancel();
                    }),
                    interrupt.Token
                )
            );
        }
        var resumePoint = checkpoints.Load(request.Key);
        Assert.Equal((Jan1Ms + 400 * 60_000) * 1000, resumePoint);

        var result = await new CandleBackfill(history, publisher, checkpoints, NullLogger.Instance).RunAsync(request, null, default);
        Assert.True(result.Resumed);
        Assert.Equal(1440 - 400, result.Rows);
        Assert.Null(checkpoints.Load(request.Key));
        // The second run's first request starts where the first run's last acknowledged page ended.
        Assert.Equal(Jan1Ms + 400 * 60_000, requests[4].Start);

        using var reader = new TopicReader<Candle>(kafka.Settings, TopicCatalog.RawExchangeCandles.Name);
        var candles = (await reader.ReadAtLeastAsync(1440, TimeSpan.FromSeconds(30), "a day of 1m candles")).Select(r => r.Value).ToList();
        Assert.Equal(Enumerable.Range(0, 1440).Select(i => (Jan1Ms + i * 60_000L) * 1000), candles.Select(c => c.OpenTimeUs));
        Assert.All(candles, c => Assert.Equal(c.OpenTimeUs + 60_000_000, c.CloseTimeUs));
        Assert.All(candles, c => Assert.Equal(("93005.50", 42L, Origin.Backfill), (c.Close.ToInvariantString(), c.TradeCount, c.Origin)));
    }

    [Theory]
    [InlineData("binanse", "BTC/USDT", "1m", "2025-01-01", null, null, "--exchange 'binanse' is not supported")]
    [InlineData("binance", "DOGE/USDT", "1m", "2025-01-01", null, null, "'DOGE/USDT' is not a configured binance instrument")]
    [InlineData("binance", "BTCUSDT", "7m", "2025-01-01", null, null, "--interval '7m' is not a pipeline interval")]
    [InlineData("binance", "BTCUSDT", "1m", "yesterday", null, null, "--from 'yesterday' is not a date or time")]
    [InlineData("binance", "BTCUSDT", "1m", "2025-02-01", "2025-01-01", null, "the range is empty")]
    [InlineData("binance", "BTCUSDT", "1m", null, null, "-3", "--days '-3' is neither a positive number of days nor 'max'")]
    [InlineData("binance", "BTCUSDT", "1m", "2025-01-01", null, "3", "give either --from or --days, not both")]
    [InlineData("binance", "BTCUSDT", "1m", null, null, null, "give --from DATE")]
    public void Bad_backfill_arguments_say_what_is_wrong(
        string exchange,
        string instrument,
        string interval,
        string? from,
        string? to,
        string? days,
        string expected
    )
    {
        var e = Assert.Throws<InvalidRequestException>(() =>
            BackfillRequest.Create(Listings, exchange, instrument, interval, from, to, days, Now)
        );
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Days_max_on_hyperliquid_reaches_back_5000_candles_and_the_range_ends_at_the_last_closed_interval()
    {
        var request = BackfillRequest.Create(Listings, "hyperliquid", "BTC", "1h", null, null, "max", Now);
        var lastClosedHour = new DateTimeOffset(2025, 1, 10, 12, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds() * 1000;
        Assert.Equal(lastClosedHour, request.ToUs);
        Assert.Equal(lastClosedHour - 5000L * 3_600_000_000, request.FromUs);
        Assert.Equal("hyperliquid:BTC/USD:perp", request.Listing.Instrument.Key);
    }

    /// <summary>Reports on the caller's thread (Progress&lt;T&gt; posts to the thread pool, too late to interrupt at an exact
    /// page).</summary>
    private sealed class SynchronousProgress(Action<BackfillProgress> report) : IProgress<BackfillProgress>
    {
        public void Report(BackfillProgress value) => report(value);
    }
}
