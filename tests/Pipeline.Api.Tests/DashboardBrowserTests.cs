// The dashboard in headless Debian chromium (driven by Playwright): it renders stored candles and then live ones.
using Confluent.Kafka;
using Google.Protobuf;
using Microsoft.Playwright;
using Pipeline.Plumbing.Serialization;
using Pipeline.Plumbing.Topics;
using Pipeline.Schemas.V1;
using Pipeline.Testing;

namespace Pipeline.Api.Tests;

public sealed class DashboardBrowserTests
{
    public const string Chromium = "/usr/bin/chromium";

    // The dashboard as a trader uses it: a page of history that fits the chart, older pages loaded by scrolling back,
    // an indicator picker (overlay on price, oscillator in its own pane), the latest-price line, live updates over the
    // WebSocket, a coverage strip with the gap in the data, a health panel, and instrument search.
    [Fact]
    public async Task Dashboard_renders_stored_candles_and_updates_from_the_live_stream()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: run PIPELINE_SETUP_BROWSER=1 infra/setup/setup.sh (make test does)");
        await using var kafka = await TestKafka.StartAsync(partitions: 1);
        await using var api = await RunningApi.StartAsync(kafka.Settings);
        var now = DateTime.UtcNow;
        var minute = new DateTime(now.Year, now.Month, now.Day, now.Hour, now.Minute, 0, DateTimeKind.Utc);
        // 1,200 minutes before this one, minus one (30 minutes ago): 1,199 candles, one gap.
        await api.ExecuteAsync(
            "SELECT pipeline_ensure_day_partitions('candles', $1::timestamptz - interval '1201 minutes', $1::timestamptz)",
            minute
        );
        await api.ExecuteAsync(
            """
            INSERT INTO candles (time, instrument_id, interval, source, open, high, low, close, volume, quote_volume, trade_count,
                closed, revision)
            SELECT $1::timestamptz - m * interval '1 minute', i.id, '1m', 1, 96000 + m % 7 * 10, 96025 + m % 7 * 10, 95980 + m % 7 * 10,
                   96000 + m % 7 * 10 + CASE WHEN m % 2 = 0 THEN 12 ELSE -9 END, 1.5 + m % 5, 96000 * (1.5 + m % 5), 7, true, 0
            FROM instruments i, generate_series(1, 1200) m
            WHERE i.exchange = 'binance' AND i.base = 'BTC' AND i.quote = 'USDT' AND i.market = 'spot' AND m <> 30
            """,
            minute
        );

        // An overlay on the price scale and an oscillator in its own pane, as the processors store them.
        await api.ExecuteAsync(
            "SELECT pipeline_ensure_day_partitions('indicators', $1::timestamptz - interval '1201 minutes', $1::timestamptz)",
            minute
        );
        await api.ExecuteAsync(
            """
            INSERT INTO indicators (time, instrument_id, interval, indicator, fields, candle_revision)
            SELECT $1::timestamptz - m * interval '1 minute', i.id, '1m', name,
                   CASE WHEN name = 'sma(3)' THEN jsonb_build_object('sma', 96010 + m % 13) ELSE jsonb_build_object('rsi',
                       40 + m % 20) END, 0
            FROM instruments i, generate_series(1, 1200) m, unnest(ARRAY['sma(3)', 'rsi(14)']) name
            WHERE i.exchange = 'binance' AND i.base = 'BTC' AND i.quote = 'USDT' AND i.market = 'spot' AND m <> 30
            """,
            minute
        );
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(
            new BrowserTypeLaunchOptions
            {
                ExecutablePath = Chromium,
                Headless = true,
                Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
            }
        );
        var page = await browser.NewPageAsync(
            new BrowserNewPageOptions
            {
                ViewportSize = new ViewportSize { Width = 1280, Height = 720 },
            }
        );
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);
        await page.GotoAsync(api.Http.BaseAddress + "?instrument=binance:BTC/USDT:spot&interval=1m");

        await page.WaitForFunctionAsync("() => window.dashboardState && window.dashboardState.loads > 0", null, new() { Timeout = 30_000 });
        var rendered = await page.EvaluateAsync<int>("() => window.dashboardState.candles");
        var canvases = await page.Locator("#chart canvas").CountAsync();
        Assert.Equal(1000, rendered); // one page: the latest 1,000 of 1,199
        Assert.Equal(["rsi(14).rsi", "sma(3).sma"], (await page.EvaluateAsync<string[]>("() => window.dashboardState.indicators")).Order());
        Assert.True(canvases > 0, "the chart drew no canvas");
        Assert.Equal(96001m, await page.EvaluateAsync<decimal>("() => window.dashboardState.lastPrice")); // the latest-price line's value
        // The fitted view shows the whole loaded page.
        Assert.True(
            await page.EvaluateAsync<bool>(
                "() => { const r = window.dashboardState.chart.timeScale().getVisibleLogicalRange(); return r.from <= 0.5 && r.to "
                    + ">= 998.5; }"
            ),
            "the loaded range does not fit the chart"
        );
        // Oscillator in a pane of its own, overlay on the price pane.
        Assert.Equal(2, await page.EvaluateAsync<int>("() => window.dashboardState.chart.panes().length"));

        // Coverage strip: the missing minute 30 minutes ago is a gap, drawn in the strip.
        await page.WaitForFunctionAsync("() => window.dashboardState.coverage !== null", null, new() { Timeout = 30_000 });
        Assert.True(await page.EvaluateAsync<int>("() => window.dashboardState.coverage.gaps") >= 1);
        Assert.True(await page.Locator("#coverage-bar .gap").CountAsync() >= 1, "no gap drawn in the coverage strip");
        Assert.Contains(
            minute.AddMinutes(-30).ToString("yyyy-MM-dd'T'HH:mm"),
            await page.Locator("#coverage-bar .gap").First.GetAttributeAsync("title")
        );

        // Dragging the chart back (older candles come into view from the left) loads the page before the oldest loaded.
        Assert.Equal(0, await page.EvaluateAsync<int>("() => window.dashboardState.olderPages")); // not before the user scrolls
        await page.Mouse.MoveAsync(200, 300);
        await page.Mouse.DownAsync();
        await page.Mouse.MoveAsync(900, 300, new() { Steps = 10 });
        await page.Mouse.UpAsync();
        await page.WaitForFunctionAsync(
            "() => window.dashboardState.allLoaded && window.dashboardState.candles === 1199",
            null,
            new() { Timeout = 30_000 }
        );
        Assert.Equal(1, await page.EvaluateAsync<int>("() => window.dashboardState.olderPages"));

        // Indicator picker: switching the overlay off hides it and keeps the oscillator.
        await page.ClickAsync("#picker summary");
        await page.ClickAsync("#indicator-list input[data-indicator='sma(3)']");
        Assert.Equal(["rsi(14).rsi"], await page.EvaluateAsync<string[]>("() => window.dashboardState.shown"));

        // Health panel: ready, and the instrument's freshness from its newest 1m candle.
        await page.WaitForFunctionAsync("() => window.dashboardState.health !== null", null, new() { Timeout = 30_000 });
        Assert.True(await page.EvaluateAsync<bool>("() => window.dashboardState.health.ready"));
        Assert.True(
            await page.EvaluateAsync<bool>(
                "() => window.dashboardState.health.freshness.some(f => f.instrument === 'binance:BTC/USDT:spot' && f.age < 600)"
            )
        );
        Assert.Contains("binance:BTC/USDT:spot", await page.Locator("#freshness").InnerTextAsync());

        // A live candle for the current minute arrives through Kafka → SSE → chart.
        using (var producer = new ProducerBuilder<string, byte[]>(kafka.Settings.Producer("dashboard-test")).Build())
        {
            var btc = InstrumentRef.Create("binance", "BTC", "USDT", MarketType.Spot);
            var live = new Candle
            {
                Instrument = btc,
                Interval = "1m",
                OpenTimeUs = (minute - DateTime.UnixEpoch).Ticks / 10,
                CloseTimeUs = (minute.AddMinutes(1) - DateTime.UnixEpoch).Ticks / 10,
                Open = Schemas.V1.Decimal.From(96010m),
                High = Schemas.V1.Decimal.From(96300m),
                Low = Schemas.V1.Decimal.From(96000m),
                Close = Schemas.V1.Decimal.From(96250m),
                Volume = Schemas.V1.Decimal.From(3m),
                QuoteVolume = Schemas.V1.Decimal.From(288750m),
                TradeCount = 3,
            };
            // The page subscribes asynchronously: keep publishing updates until one is drawn.
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (await page.EvaluateAsync<int>("() => window.dashboardState.liveEvents") == 0 && DateTime.UtcNow < deadline)
            {
                producer.Produce(
                    TopicCatalog.Candles.Name,
                    new Message<string, byte[]>
                    {
                        Key = btc.Key,
                        Value = live.ToByteArray(),
                        Headers = MessageHeaders.For<Candle>(),
                    }
                );
                producer.Flush(TimeSpan.FromSeconds(5));
                try
                {
                    await page.WaitForFunctionAsync("() => window.dashboardState.liveEvents > 0", null, new() { Timeout = 1000 });
                }
                catch (TimeoutException) { }
            }
        }
        Assert.True(await page.EvaluateAsync<int>("() => window.dashboardState.liveEvents") > 0, "no live candle reached the chart");
        Assert.Equal(
            minute.ToString("yyyy-MM-dd'T'HH:mm:ss'.000000Z'"),
            await page.EvaluateAsync<string>("() => window.dashboardState.lastLive")
        );
        Assert.Equal(96250m, await page.EvaluateAsync<decimal>("() => window.dashboardState.lastPrice"));
        Assert.Equal(1200, await page.EvaluateAsync<int>("() => window.dashboardState.candles")); // the live candle appended

        var artifacts = Path.Combine(AppContext.BaseDirectory, "artifacts");
        Directory.CreateDirectory(artifacts);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(artifacts, "dashboard.png") });

        // Instrument search narrows the list to matching instruments (a single match opens it).
        await page.FillAsync("#search", "eth");
        var matches = await page.EvaluateAsync<string[]>("() => window.dashboardState.matches");
        Assert.NotEmpty(matches);
        Assert.All(matches, m => Assert.Contains("ETH", m));
        Assert.Empty(errors);
    }
}
