using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Pipeline.Plumbing.Configuration;
using Pipeline.Plumbing.Topics;
using Pipeline.Producers.Connectors;
using Pipeline.Producers.Publishing;
using Pipeline.Producers.Venues;
using Pipeline.Producers.Venues.Yahoo;
using Pipeline.Schemas.Calendars;
using Pipeline.Schemas.V1;
using Pipeline.Testing;
using Xunit;

namespace Pipeline.Producers.Tests;

/// <summary>US equities from Yahoo Finance's chart API: a recorded answer normalised to exact minute candles, and the
/// poller against a local fake Yahoo replaying that answer minute by minute on a hand-moved clock.</summary>
public sealed class YahooEquityTests
{
    private static readonly ConnectionOptions Fast = new() { RestRequestsPerSecond = 50 };
    private static readonly VenueListing Amzn = Listing("AMZN");

    // The recorded answer: Amazon, Tuesday 2023-05-02, 15:30-16:00 EDT (19:30-20:00 UTC).
    private static readonly JsonObject Recorded = JsonNode
        .Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "yahoo", "chart-AMZN-1m-2023-05-02-1530.json")))!
        .AsObject();
    private static readonly long SessionMinuteUs = Us("2023-05-02T19:30:00Z");

    private static VenueListing Listing(string symbol) =>
        new(InstrumentRef.Create("yahoo", symbol, "USD", MarketType.Spot), symbol, ["1m"]);

    private static long Us(string utc) => DateTimeOffset.Parse(utc, CultureInfo.InvariantCulture).ToUnixTimeMilliseconds() * 1000;

    [Fact]
    public void Recorded_chart_answer_becomes_exact_minute_candles_without_the_closing_auction_bar()
    {
        using var doc = JsonDocument.Parse(Recorded.ToJsonString());
        var candles = YahooChart.Candles(doc.RootElement, Amzn, NyseCalendar.Instance, 0, long.MaxValue, Origin.Backfill);

        // 31 elements: 15:30-15:59 are session minutes, the 16:00 element (the closing auction price, volume 0) is not.
        Assert.Equal(30, candles.Count);
        Assert.Equal(Enumerable.Range(0, 30).Select(i => SessionMinuteUs + i * 60_000_000L), candles.Select(c => c.OpenTimeUs));
        Assert.All(candles, c => Assert.Equal(c.OpenTimeUs + 60_000_000, c.CloseTimeUs));
        Assert.All(
            candles,
            c => Assert.Equal((CandleSource.Exchange, "1m", "yahoo:AMZN/USD:spot"), (c.Source, c.Interval, c.Instrument.Key))
        );
        // 15:31: open 103.6050033569336, high 103.68000030517578, low 103.59500122070312, close 103.5999984741211 (float32s).
        var bar = candles[1];
        Assert.Equal(
            ("103.605", "103.68", "103.595", "103.6", "200320"),
            (
                bar.Open.ToInvariantString(),
                bar.High.ToInvariantString(),
                bar.Low.ToInvariantString(),
                bar.Close.ToInvariantString(),
                bar.Volume.ToInvariantString()
            )
        );
        // A sub-penny print keeps its four decimals: 15:33 high 103.66419982910156 is 103.6642.
        Assert.Equal("103.6642", candles[3].High.ToInvariantString());
        // The recorded volumes add up (outside sum of the answer's own column, minus the 16:00 element's 0).
        var volumes = Recorded["chart"]!["result"]![0]!["indicators"]!["quote"]![0]!["volume"]!.AsArray().Sum(v => (long)v!);
        Assert.Equal(volumes, candles.Sum(c => c.Volume.ToDecimal()));
        Assert.All(
            candles,
            c => Assert.True(c.High.ToDecimal() >= Math.Max(c.Open, c.Close) && c.Low.ToDecimal() <= Math.Min(c.Open, c.Close))
        );
    }

    [Fact]
    public void Minutes_without_trades_and_the_forming_bar_are_not_candles()
    {
        var answer = Answer(SessionMinuteUs + 5 * 60_000_000L + 40_000_000, nullMinutes: [2, 3]);
        using var doc = JsonDocument.Parse(answer);
        var candles = YahooChart.Candles(doc.RootElement, Amzn, NyseCalendar.Instance, 0, long.MaxValue, Origin.Backfill);

        // 15:30-15:34 have ended; 15:32 and 15:33 had no trade (nulls); the 15:35:40 element is the forming bar.
        Assert.Equal(new[] { 0, 1, 4 }.Select(i => SessionMinuteUs + i * 60_000_000L), candles.Select(c => c.OpenTimeUs));
    }

    [Theory]
    [InlineData(1.0, "1")]
    [InlineData(103.72000122070312, "103.72")]
    [InlineData(103.66419982910156, "103.6642")]
    [InlineData(0.12345678, "0.1235")]
    public void Yahoo_float_prices_become_the_decimal_the_exchange_printed(double sent, string expected) =>
        Assert.Equal(expected, YahooChart.Price(sent).ToString(CultureInfo.InvariantCulture));

    [Fact]
    public async Task Polling_a_session_publishes_each_traded_minute_once_and_sleeps_until_the_next_open()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2023-05-02T19:30:30Z", CultureInfo.InvariantCulture));
        await using var server = await FakeYahoo(clock, nullMinutes: [10, 11]);
        await using var kafka = await TestKafka.StartAsync(partitions: 1);
        using var reader = new TopicReader<Candle>(kafka.Settings, TopicCatalog.RawExchangeCandles.Name);

        var poller = await RunAsync(kafka, server, clock, [Amzn], Us("2023-05-02T20:00:30Z"));

        // 30 session minutes, two without trades (15:40, 15:41): 28 candles, each once, although answers overlapped.
        var bars = await reader.ReadAtLeastAsync(28, TimeSpan.FromSeconds(30), "28 bars");
        var expected = Enumerable.Range(0, 30).Where(i => i is not (10 or 11)).Select(i => SessionMinuteUs + i * 60_000_000L);
        Assert.Equal(expected, bars.Select(b => b.Value.OpenTimeUs));
        Assert.All(bars, b => Assert.Equal("yahoo:AMZN/USD:spot", b.Key));
        Assert.All(bars, b => Assert.Equal(Origin.Live, b.Value.Origin));
        // After the 15:59 bar the market is closed: the next wake is Wednesday's first bar, 09:31 EDT plus the settle time.
        Assert.Equal(Us("2023-05-03T13:31:30Z"), poller.SleepingUntilUs);
        // Each request asked only for bars after the newest one published.
        var starts = server.RestRequests.Select(r => long.Parse(Query(r, "period1"), CultureInfo.InvariantCulture)).ToList();
        Assert.True(starts.Skip(1).Zip(starts).All(p => p.First >= p.Second), string.Join(",", starts));
    }

    [Fact]
    public async Task A_restarted_poller_resumes_after_the_newest_bar_in_the_topic_without_duplicates()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2023-05-02T19:30:30Z", CultureInfo.InvariantCulture));
        await using var server = await FakeYahoo(clock, nullMinutes: []);
        await using var kafka = await TestKafka.StartAsync(partitions: 2);
        using var reader = new TopicReader<Candle>(kafka.Settings, TopicCatalog.RawExchangeCandles.Name);

        // First run: bars 15:30-15:43, then the producer stops at 15:44:30.
        await RunAsync(kafka, server, clock, [Amzn], Us("2023-05-02T19:44:30Z"));
        await Eventually.TrueAsync(() => Task.FromResult(reader.Poll().Count >= 14), TimeSpan.FromSeconds(30), "14 bars");
        var before = server.RestRequests.Count;
        // Second run, same clock: it reads 15:43 back from candles.exchange.raw and goes on from 15:44.
        await RunAsync(kafka, server, clock, [Amzn], Us("2023-05-02T20:00:30Z"), resume: true);

        var bars = await reader.ReadAtLeastAsync(30, TimeSpan.FromSeconds(30), "30 bars");
        Assert.Equal(Enumerable.Range(0, 30).Select(i => SessionMinuteUs + i * 60_000_000L), bars.Select(b => b.Value.OpenTimeUs));
        var firstAfterRestart = server.RestRequests.Skip(before).First();
        Assert.Equal(Us("2023-05-02T19:44:00Z") / 1_000_000, long.Parse(Query(firstAfterRestart, "period1"), CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task An_unknown_symbol_stops_only_its_listing_with_one_line_and_a_429_is_retried()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2023-05-02T19:35:40Z", CultureInfo.InvariantCulture));
        var throttled = 0;
        await using var server = await FakeYahoo(
            clock,
            nullMinutes: [],
            before: symbol =>
            {
                if (symbol == "AMZNX")
                    return Results.Text(
                        """{"chart":{"result":null,"error":{"code":"Not Found","description":"No data found, symbol may be delisted"}}}""",
                        "application/json",
                        statusCode: 404
                    );
                return Interlocked.Increment(ref throttled) == 1 ? Results.StatusCode(429) : null;
            }
        );
        await using var kafka = await TestKafka.StartAsync(partitions: 1);
        using var reader = new TopicReader<Candle>(kafka.Settings, TopicCatalog.RawExchangeCandles.Name);
        var logs = new RecordingLoggerFactory();
        using var publisher = new TopicPublisher(kafka.Settings, "test-yahoo", NullLogger.Instance);
        using var feed = new LiveFeed(
            [Amzn, Listing("AMZNX")],
            Fast,
            logs,
            _ => new VenueEndpoints(server.WebSocketBase, server.RestBase),
            clock: clock
        );
        using var stop = new CancellationTokenSource();
        var run = feed.RunAsync(publisher, stop.Token);

        var bad = feed.Pollers.Single(p => p.Listing.Symbol == "AMZNX");
        await Eventually.TrueAsync(() => Task.FromResult(bad.StoppedReason is not null), TimeSpan.FromSeconds(30), "AMZNX to stop");
        var bars = await reader.ReadAtLeastAsync(5, TimeSpan.FromSeconds(30), "5 AMZN bars");
        stop.Cancel();
        await run;

        Assert.Equal(
            "yahoo does not know symbol 'AMZNX' (Not Found: No data found, symbol may be delisted); correct the symbol of "
                + "yahoo:AMZNX/USD:spot in config/instruments.yaml",
            bad.StoppedReason
        );
        Assert.Single(logs.Lines, l => l.Level == LogLevel.Error && l.Message.Contains("AMZNX"));
        Assert.Equal(5, bars.Count);
        Assert.True(throttled >= 2, "the throttled request was retried");
    }

    /// <summary>Runs a live feed on the fake Yahoo, moving the clock to each time the pollers sleep until, and stops once
    /// every poller sleeps past <paramref name="untilUs"/>. Returns the first poller.</summary>
    private static async Task<CandlePoller> RunAsync(
        TestKafka kafka,
        FakeExchangeServer server,
        FakeTimeProvider clock,
        VenueListing[] listings,
        long untilUs,
        bool resume = false
    )
    {
        using var publisher = new TopicPublisher(kafka.Settings, "test-yahoo", NullLogger.Instance);
        using var feed = new LiveFeed(
            listings,
            Fast,
            NullLoggerFactory.Instance,
            _ => new VenueEndpoints(server.WebSocketBase, server.RestBase),
            clock: clock
        );
        using var stop = new CancellationTokenSource();
        var run = feed.RunAsync(publisher, stop.Token, resumeFrom: resume ? kafka.Settings : null);
        var poller = feed.Pollers[0];
        var nowUs = clock.GetUtcNow().ToUnixTimeMilliseconds() * 1000;
        while (true)
        {
            // The poller has polled and gone to sleep: move the clock to its wake-up time (never wait on the clock).
            var wake = await Eventually.GetAsync(
                () => Task.FromResult(run.IsCompleted ? -1 : poller.SleepingUntilUs),
                w => w != 0 && w > nowUs,
                TimeSpan.FromSeconds(30),
                "the poller to sleep"
            );
            Assert.False(run.IsCompleted, "the live feed ended");
            if (wake > untilUs)
                break;
            clock.SetUtcNow(DateTimeOffset.FromUnixTimeMilliseconds(wake / 1000));
            nowUs = wake;
        }
        await publisher.FlushAsync(CancellationToken.None);
        stop.Cancel();
        await run;
        return poller;
    }

    /// <summary>A fake Yahoo chart API serving the recorded answer as it would have looked at the clock's time: the
    /// minutes that have ended, the forming one stamped with the current time, and always five minutes more than asked
    /// for (overlapping answers).</summary>
    private static Task<FakeExchangeServer> FakeYahoo(FakeTimeProvider clock, int[] nullMinutes, Func<string, IResult?>? before = null) =>
        FakeExchangeServer.StartAsync(
            _ => Task.CompletedTask,
            app =>
                app.MapGet(
                    "/v8/finance/chart/{symbol}",
                    (string symbol, string interval, long period1, long period2) =>
                    {
                        if (before?.Invoke(symbol) is { } early)
                            return early;
                        Assert.Equal("1m", interval);
                        var nowUs = clock.GetUtcNow().ToUnixTimeMilliseconds() * 1000;
                        return Results.Text(Answer(nowUs, nullMinutes, fromSeconds: period1 - 300), "application/json");
                    }
                )
        );

    /// <summary>The recorded answer cut to what existed at <paramref name="nowUs"/>, with some minutes emptied (nulls).</summary>
    private static string Answer(long nowUs, int[] nullMinutes, long fromSeconds = 0)
    {
        var answer = Recorded.DeepClone().AsObject();
        var result = answer["chart"]!["result"]![0]!.AsObject();
        var times = result["timestamp"]!.AsArray().Select(t => (long)t!).ToList();
        var quote = result["indicators"]!["quote"]![0]!.AsObject();
        var keep = new List<int>();
        for (var i = 0; i < times.Count; i++)
            if (times[i] >= fromSeconds && (times[i] + 60) * 1_000_000 <= nowUs)
                keep.Add(i);
        // The forming minute: Yahoo stamps it with the latest quote's time.
        var forming = times.FindIndex(t => t * 1_000_000 <= nowUs && (t + 60) * 1_000_000 > nowUs);
        var newTimes = new JsonArray([.. keep.Select(i => (JsonNode)times[i])]);
        if (forming >= 0)
            newTimes.Add(nowUs / 1_000_000);
        result["timestamp"] = newTimes;
        foreach (var field in new[] { "open", "high", "low", "close", "volume" })
        {
            var column = quote[field]!.AsArray();
            var rows = keep.Select(i => nullMinutes.Contains(i) ? null : column[i]!.DeepClone()).ToList();
            if (forming >= 0)
                rows.Add(column[forming]!.DeepClone());
            quote[field] = new JsonArray([.. rows]);
        }
        return answer.ToJsonString();
    }

    private static string Query(string pathAndQuery, string name) =>
        pathAndQuery[(pathAndQuery.IndexOf('?') + 1)..].Split('&').Select(p => p.Split('=')).Single(p => p[0] == name)[1];
}
