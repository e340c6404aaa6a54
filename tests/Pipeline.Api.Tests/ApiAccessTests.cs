// Access rules: API keys for mutating requests, CORS from configuration, per-client rate limiting.
using System.Net;

namespace Pipeline.Api.Tests;

public sealed class ApiAccessTests
{
    [Fact]
    public async Task Mutating_requests_without_a_known_api_key_are_refused_and_reads_stay_open()
    {
        await using var api = await RunningApi.StartAsync(configure: o => o.Api.ApiKeys = ["s3cret-key"]);

        using var none = await api.Http.PostAsync("/instruments", null);
        using var wrong = await api.Http.SendAsync(
            new HttpRequestMessage(HttpMethod.Post, "/instruments") { Headers = { { "X-API-Key", "guess" } } }
        );
        using var right = await api.Http.SendAsync(
            new HttpRequestMessage(HttpMethod.Post, "/instruments") { Headers = { { "X-API-Key", "s3cret-key" } } }
        );
        using var read = await api.Http.GetAsync("/instruments");

        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal("application/problem+json", none.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, right.StatusCode); // past the gate; no POST route there (yet)
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
    }

    [Fact]
    public async Task Without_configured_keys_mutating_requests_are_disabled()
    {
        await using var api = await RunningApi.StartAsync();
        using var response = await api.Http.SendAsync(
            new HttpRequestMessage(HttpMethod.Delete, "/instruments") { Headers = { { "X-API-Key", "anything" } } }
        );
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("ApiKeys", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Cors_allows_only_configured_origins()
    {
        await using var api = await RunningApi.StartAsync(configure: o => o.Api.CorsOrigins = ["https://charts.example.com"]);

        async Task<string?> AllowedOrigin(string origin)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/instruments") { Headers = { { "Origin", origin } } };
            using var response = await api.Http.SendAsync(request);
            return response.Headers.TryGetValues("Access-Control-Allow-Origin", out var v) ? v.Single() : null;
        }

        Assert.Equal("https://charts.example.com", await AllowedOrigin("https://charts.example.com"));
        Assert.Null(await AllowedOrigin("https://evil.example.com"));
    }

    [Fact]
    public async Task A_client_over_its_rate_gets_429_problem_json_while_probes_still_answer()
    {
        await using var api = await RunningApi.StartAsync(configure: o =>
        {
            o.Api.RateLimitPerSecond = 1;
            o.Api.RateLimitBurst = 3;
        });

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 6; i++)
        {
            using var r = await api.Http.GetAsync("/openapi.json");
            statuses.Add(r.StatusCode);
            if (r.StatusCode == HttpStatusCode.TooManyRequests)
            {
                Assert.Equal("application/problem+json", r.Content.Headers.ContentType?.MediaType);
                Assert.True(r.Headers.Contains("Retry-After"));
            }
        }
        using var health = await api.Http.GetAsync("/health");

        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
        Assert.Equal(HttpStatusCode.OK, statuses[0]);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }
}
