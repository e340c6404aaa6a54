// Per-client request rate limit (token bucket per API key, else per remote address); 429 problem+json when exceeded.
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Pipeline.Plumbing.Configuration;

namespace Pipeline.Api;

public static class ClientRateLimit
{
    /// <summary>Who is asking: a known API key, else the remote address. Only a known key gets its own allowance: made-up
    /// keys must not buy a fresh one.</summary>
    public static string ClientKey(HttpContext http, ApiKeyGate gate) =>
        http.Request.Headers[ApiKeyGate.Header].ToString() is { Length: > 0 } k && gate.IsKnown(System.Text.Encoding.UTF8.GetBytes(k))
            ? "key:" + k
            : "ip:" + http.Connection.RemoteIpAddress;

    public static void Configure(RateLimiterOptions o, ApiOptions api, ApiKeyGate gate)
    {
        o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
        o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http =>
        {
            // Probes and the live stream (one long request) are not counted.
            var path = http.Request.Path.Value ?? "";
            if (
                api.RateLimitPerSecond <= 0
                || path is "/health" or "/ready" or "/metrics"
                || path.StartsWith("/stream", StringComparison.Ordinal)
            )
                return RateLimitPartition.GetNoLimiter("unlimited");
            return RateLimitPartition.GetTokenBucketLimiter(
                ClientKey(http, gate),
                _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = Math.Max(api.RateLimitBurst, 1),
                    TokensPerPeriod = api.RateLimitPerSecond,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                }
            );
        });
        o.OnRejected = async (ctx, ct) =>
        {
            ctx.HttpContext.Response.Headers.RetryAfter = "1";
            await new ApiProblem(
                StatusCodes.Status429TooManyRequests,
                "too many requests",
                $"this client may make {api.RateLimitPerSecond} requests per second (bursts of {api.RateLimitBurst}); retry after a second"
            )
                .ToResult()
                .ExecuteAsync(ctx.HttpContext);
        };
    }
}
