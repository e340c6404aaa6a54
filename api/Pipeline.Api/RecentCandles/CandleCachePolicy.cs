// The output-cache policy of GET /candles: the history routes' 1-second cache, except for answers the recent-candle
// store gives, which skip the cache altogether. The cache passes every body it may keep through a stream of its own,
// even one it is then told not to keep (with it, a 1,000-candle answer from memory cost 0.7 ms of API CPU and 294 KiB
// of allocations; without it 0.3 ms and 15 KiB: `make bench ARGS=distinct-queries`), and rebuilding an answer from the
// store's pre-rendered JSON costs less than that. Which answers the store gives is known only once the request is
// parsed and the store asked, so this policy does both before the route runs and hands the route the result (a
// CandleRead feature). It asks nothing of PostgreSQL: an instrument not yet known, or a ?version=, is left to the route.
using Microsoft.AspNetCore.OutputCaching;
using Pipeline.Schemas;

namespace Pipeline.Api.RecentCandles;

public sealed class CandleCachePolicy(RecentCandleStore store, InstrumentDirectory instruments, TimeProvider clock) : IOutputCachePolicy
{
    public ValueTask CacheRequestAsync(OutputCacheContext context, CancellationToken cancellation)
    {
        if (!store.Enabled || !context.EnableOutputCaching)
            return ValueTask.CompletedTask;
        CandleRequest request;
        try
        {
            request = CandleRequest.Parse(context.HttpContext.Request, clock);
        }
        catch (ApiProblem)
        {
            return ValueTask.CompletedTask; // the route parses it again and answers the problem
        }
        if (request.Version is not null || !store.LiveIsCurrent || instruments.TryResolveKnown(request.Path) is not { } known)
            return ValueTask.CompletedTask;
        var (id, instrument) = known;
        var version = DataVersion.Live.Name;
        var window = store.TryRead(instrument.Key, request, version);
        context.HttpContext.Features.Set(new CandleRead(request, id, instrument, version, window));
        if (window is not null)
            context.EnableOutputCaching = false;
        return ValueTask.CompletedTask;
    }

    public ValueTask ServeFromCacheAsync(OutputCacheContext context, CancellationToken cancellation) => ValueTask.CompletedTask;

    public ValueTask ServeResponseAsync(OutputCacheContext context, CancellationToken cancellation) => ValueTask.CompletedTask;
}
