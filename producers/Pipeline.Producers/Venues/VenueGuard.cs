// Per-venue protection shared by all of a venue's connections and REST calls: a circuit breaker and token buckets.
using System.Net.WebSockets;
using System.Threading.RateLimiting;
using Pipeline.Plumbing.Configuration;
using Polly;
using Polly.CircuitBreaker;

namespace Pipeline.Producers.Venues;

public sealed class VenueGuard : IDisposable
{
    private readonly TokenBucketRateLimiter _rest;
    private readonly TokenBucketRateLimiter _connects;
    private readonly ResiliencePipeline _breaker;

    public VenueGuard(IVenue venue, ConnectionOptions options)
    {
        Exchange = venue.Name;
        _rest = Bucket(options.RestRequestsPerSecond ?? venue.RestRequestsPerSecond);
        _connects = Bucket(options.ConnectsPerSecond);
        BreakDuration = options.BreakDuration;
        _breaker = new ResiliencePipelineBuilder()
            .AddCircuitBreaker(
                new CircuitBreakerStrategyOptions
                {
                    FailureRatio = options.BreakerFailureRatio,
                    MinimumThroughput = 4,
                    SamplingDuration = TimeSpan.FromSeconds(60),
                    BreakDuration = options.BreakDuration,
                    ShouldHandle = new PredicateBuilder()
                        .Handle<WebSocketException>()
                        .Handle<HttpRequestException>()
                        .Handle<IOException>()
                        .Handle<VenueRequestException>(e => e.Transient),
                    OnOpened = _ =>
                    {
                        Opened++;
                        State = CircuitState.Open;
                        return ValueTask.CompletedTask;
                    },
                    OnHalfOpened = _ =>
                    {
                        State = CircuitState.HalfOpen;
                        return ValueTask.CompletedTask;
                    },
                    OnClosed = _ =>
                    {
                        State = CircuitState.Closed;
                        return ValueTask.CompletedTask;
                    },
                }
            )
            .Build();
        VenueGuardMetrics.Track(this);
    }

    public string Exchange { get; }
    public TimeSpan BreakDuration { get; }

    /// <summary>The breaker now: closed (calls go through), open (held back) or half-open (one trial call).</summary>
    public CircuitState State { get; private set; } = CircuitState.Closed;

    /// <summary>Times the breaker opened (the venue looked down and calls were held back).</summary>
    public int Opened { get; private set; }

    /// <summary>Runs a connection attempt through the connect bucket and the breaker.</summary>
    public async Task<T> ConnectAsync<T>(Func<CancellationToken, Task<T>> connect, CancellationToken ct)
    {
        using var lease = await _connects.AcquireAsync(1, ct);
        return await _breaker.ExecuteAsync(async t => await connect(t), ct);
    }

    /// <summary>Runs one REST request through the request bucket and the breaker.</summary>
    public async Task<T> RequestAsync<T>(Func<CancellationToken, Task<T>> request, CancellationToken ct)
    {
        using var lease = await _rest.AcquireAsync(1, ct);
        return await _breaker.ExecuteAsync(async t => await request(t), ct);
    }

    private static TokenBucketRateLimiter Bucket(double perSecond)
    {
        // Below one per second: one token per longer period (e.g. 0.5/s = one every 2 s).
        var (tokens, period) =
            perSecond >= 1 ? ((int)perSecond, TimeSpan.FromSeconds(1)) : (1, TimeSpan.FromSeconds(1 / Math.Max(perSecond, 0.01)));
        return new(
            new TokenBucketRateLimiterOptions
            {
                TokenLimit = tokens,
                TokensPerPeriod = tokens,
                ReplenishmentPeriod = period,
                QueueLimit = int.MaxValue,
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
                AutoReplenishment = true,
            }
        );
    }

    public void Dispose()
    {
        VenueGuardMetrics.Untrack(this);
        _rest.Dispose();
        _connects.Dispose();
    }
}
