// Live streams end when the host stops and are capped per client and in total (issue 18).
using System.Net;
using System.Text.Json;

namespace Pipeline.Api.Tests;

public sealed class StreamLimitsTests
{
    private const string Path = "/stream/candles?instruments=binance:BTC/USDT:spot";

    private static async Task<(HttpResponseMessage Response, StreamReader Reader)> ConnectAsync(RunningApi api)
    {
        var response = await api.Http.GetAsync(Path, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        Assert.Equal(": connected", await reader.ReadLineAsync());
        return (response, reader);
    }

    // Regression (issue 12 and 18): a connected stream ignored the host's stopping token, so stopping waited the full
    // 30 s shutdown timeout and then cut the connection.
    [Fact]
    public async Task Stopping_the_host_ends_connected_streams_with_a_closing_event()
    {
        var api = await RunningApi.StartAsync();
        var (response, reader) = await ConnectAsync(api);
        using var _ = response;

        var stopping = api.DisposeAsync().AsTask();
        var rest = await reader.ReadToEndAsync(); // a clean end of the response, not a reset connection
        await stopping;

        Assert.Contains("event: closing", rest);
        Assert.Contains("server stopping", rest);
    }

    [Fact]
    public async Task Streams_above_the_per_client_cap_get_429_problem_json()
    {
        await using var api = await RunningApi.StartAsync(configure: o =>
        {
            o.Api.StreamsPerClient = 2;
            o.Api.StreamsTotal = 100;
        });
        var (a, _) = await ConnectAsync(api);
        var (b, _) = await ConnectAsync(api);

        using var third = await api.Http.GetAsync(Path, HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        Assert.Equal("application/problem+json", third.Content.Headers.ContentType?.MediaType);
        Assert.Contains(
            "2 live streams",
            JsonDocument.Parse(await third.Content.ReadAsStringAsync()).RootElement.GetProperty("detail").GetString()
        );
        // A stream that ends frees its place.
        a.Dispose();
        await WaitUntilAsync(async () =>
        {
            using var again = await api.Http.GetAsync(Path, HttpCompletionOption.ResponseHeadersRead);
            return again.StatusCode == HttpStatusCode.OK;
        });
        b.Dispose();
    }

    [Fact]
    public async Task Streams_above_the_total_cap_get_429_problem_json()
    {
        await using var api = await RunningApi.StartAsync(configure: o =>
        {
            o.Api.StreamsPerClient = 100;
            o.Api.StreamsTotal = 1;
        });
        var (a, _) = await ConnectAsync(api);
        using var __ = a;

        using var second = await api.Http.GetAsync(Path, HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
        Assert.Equal("application/problem+json", second.Content.Headers.ContentType?.MediaType);
        Assert.Contains("in total", await second.Content.ReadAsStringAsync());
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!await condition())
        {
            cts.Token.ThrowIfCancellationRequested();
            await Task.Yield();
        }
    }
}
