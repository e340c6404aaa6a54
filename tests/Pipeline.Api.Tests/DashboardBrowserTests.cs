// The dashboard in headless Debian chromium (driven by Playwright): it renders stored candles and then live ones.
using Confluent.Kafka;
using Google.Protobuf;
using Microsoft.Playwright;
using Pipeline.Plumbing.Kafka;
using Pipeline.Plumbing.Topics;
using Pipeline.Schemas.V1;
using Pipeline.Testing;

namespace Pipeline.Api.Tests;

public sealed class DashboardBrowserTests
{
    public const string Chromium = "/usr/bin/chromium";

    [Fact]
    public async Task Dashboard_renders_stored_candles_and_updates_from_the_live_stream()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: run PIPELINE_SETUP_BROWSER=1 infra/setup/setup.sh (make test does)");
        await using var kafka = await TestKafka.StartAsync(partitions: 1);
        await using var api = await RunningApi.StartAsync(kafka.Settings);
        var now = DateTime.UtcNow;
        var minute = new DateTime(now.Year, now.Month, now.Day, now.Hour, now.Minute, 0, DateTimeKind.Utc);
        for (var i = 60; i >= 1; i--)
        {
            var o = 96000 + (i % 7) * 10;
            await api.InsertCandleAsync(minute.AddMinutes(-i).ToString("O"), $"{o}", $"{o + 25}", $"{o - 20}", $"{o + (i % 2 == 0 ? 12 : -9)}", $"{1 + i % 5}.5");
        }

        // An overlay on the price scale and an oscillator in its own pane, as the processors store them.
        await api.ExecuteAsync(
            """
            INSERT INTO indicators (time, instrument_id, interval, indicator, fields, candle_revision)
            SELECT $1::timestamptz - m * interval '1 minute', i.id, '1m', name,
                   CASE WHEN name = 'sma(3)' THEN jsonb_build_object('sma', 96010 + m) ELSE jsonb_build_object('rsi', 40 + m % 20) END, 0
            FROM instruments i, generate_series(1, 60) m, unnest(ARRAY['sma(3)', 'rsi(14)']) name
            WHERE i.exchange = 'binance' AND i.base = 'BTC' AND i.quote = 'USDT'
            """, minute);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
        });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 720 } });
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);
        await page.GotoAsync(api.Http.BaseAddress + "?instrument=binance:BTC/USDT:spot&interval=1m");

        await page.WaitForFunctionAsync("() => window.dashboardState && window.dashboardState.candles > 0", null, new() { Timeout = 30_000 });
        var rendered = await page.EvaluateAsync<int>("() => window.dashboardState.candles");
        var canvases = await page.Locator("#chart canvas").CountAsync();
        Assert.Equal(60, rendered);
        Assert.Equal(["rsi(14).rsi", "sma(3).sma"], (await page.EvaluateAsync<string[]>("() => window.dashboardState.indicators")).Order());
        Assert.True(canvases > 0, "the chart drew no canvas");

        // A live candle for the current minute arrives through Kafka → SSE → chart.
        using (var producer = new ProducerBuilder<string, byte[]>(kafka.Settings.Producer("dashboard-test")).Build())
        {
            var btc = InstrumentRef.Create("binance", "BTC", "USDT", MarketType.Spot);
            var live = new Candle
            {
                Instrument = btc, Interval = "1m", OpenTimeUs = (minute - DateTime.UnixEpoch).Ticks / 10, CloseTimeUs = (minute.AddMinutes(1) - DateTime.UnixEpoch).Ticks / 10,
                Open = Schemas.V1.Decimal.From(96010m), High = Schemas.V1.Decimal.From(96300m), Low = Schemas.V1.Decimal.From(96000m),
                Close = Schemas.V1.Decimal.From(96250m), Volume = Schemas.V1.Decimal.From(3m), QuoteVolume = Schemas.V1.Decimal.From(288750m), TradeCount = 3,
            };
            // The page subscribes asynchronously: keep publishing updates until one is drawn.
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (await page.EvaluateAsync<int>("() => window.dashboardState.liveEvents") == 0 && DateTime.UtcNow < deadline)
            {
                producer.Produce(TopicCatalog.Candles.Name, new Message<string, byte[]> { Key = btc.Key, Value = live.ToByteArray(), Headers = MessageHeaders.For<Candle>() });
                producer.Flush(TimeSpan.FromSeconds(5));
                try { await page.WaitForFunctionAsync("() => window.dashboardState.liveEvents > 0", null, new() { Timeout = 1000 }); }
                catch (TimeoutException) { }
            }
        }
        Assert.True(await page.EvaluateAsync<int>("() => window.dashboardState.liveEvents") > 0, "no live candle reached the chart");
        Assert.Equal(minute.ToString("yyyy-MM-dd'T'HH:mm:ss'.000000Z'"), await page.EvaluateAsync<string>("() => window.dashboardState.lastLive"));

        var artifacts = Path.Combine(AppContext.BaseDirectory, "artifacts");
        Directory.CreateDirectory(artifacts);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(artifacts, "dashboard.png") });
        Assert.Empty(errors);
    }
}
