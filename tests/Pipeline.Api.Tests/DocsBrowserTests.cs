// /docs in headless Debian chromium: Scalar renders the generated OpenAPI document with every request kept on our host.
using Microsoft.Playwright;

namespace Pipeline.Api.Tests;

public sealed class DocsBrowserTests
{
    [Fact]
    public async Task Docs_page_renders_the_generated_document_without_leaving_the_host()
    {
        Assert.True(
            File.Exists(DashboardBrowserTests.Chromium),
            $"{DashboardBrowserTests.Chromium} is missing: run PIPELINE_SETUP_BROWSER=1 infra/setup/setup.sh"
        );
        await using var api = await RunningApi.StartAsync();
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(
            new BrowserTypeLaunchOptions
            {
                ExecutablePath = DashboardBrowserTests.Chromium,
                Headless = true,
                Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
            }
        );
        var page = await browser.NewPageAsync(
            new BrowserNewPageOptions
            {
                ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
            }
        );
        var host = api.Http.BaseAddress!.Authority;
        var elsewhere = new List<string>();
        // No CDN: anything not on our own host is recorded and refused.
        await page.RouteAsync(
            "**/*",
            async route =>
            {
                if (new Uri(route.Request.Url).Authority == host)
                    await route.ContinueAsync();
                else
                {
                    lock (elsewhere)
                        elsewhere.Add(route.Request.Url);
                    await route.AbortAsync();
                }
            }
        );
        var documentLoaded = page.WaitForResponseAsync(r => r.Url.EndsWith("/openapi/v1.json") && r.Status == 200);

        await page.GotoAsync(api.Http.BaseAddress + "docs");
        await documentLoaded;
        var artifacts = Path.Combine(AppContext.BaseDirectory, "artifacts");
        Directory.CreateDirectory(artifacts);
        try
        {
            // Scalar draws each operation from the document: its summary appears once the document is rendered.
            await page.GetByText("Whether the database and Kafka are reachable").First.WaitForAsync(new() { Timeout = 30_000 });
        }
        finally
        {
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(artifacts, "docs.png") });
        }
        var html = await page.ContentAsync();
        Assert.Contains("Market-data pipeline API", html);
        Assert.Contains("history", html); // the tag of the candle, trade, indicator and coverage routes
        Assert.Empty(elsewhere);
    }
}
