// Runs one connection per configured real listing, all feeding one bounded queue that a single writer drains into Kafka.
using Microsoft.Extensions.Logging;
using Pipeline.Plumbing.Configuration;
using Pipeline.Plumbing.Kafka;
using Pipeline.Producers.Publishing;
using Pipeline.Producers.Venues;

namespace Pipeline.Producers.Connectors;

public sealed class LiveFeed : IDisposable
{
    private readonly List<VenueGuard> _guards = new();
    private readonly HttpClient _http;
    private readonly ILoggerFactory _loggers;
    private readonly VenueRegistry _venues;

    /// <param name="endpoints">Where each venue lives; null uses the venues' public addresses.</param>
    /// <param name="venues">The venues to connect to; null is every registered venue.</param>
    /// <param name="clock">Drives the polled venues' schedules (tests move it by hand); null is the system clock.</param>
    public LiveFeed(
        IEnumerable<VenueListing> listings,
        ConnectionOptions options,
        ILoggerFactory loggers,
        Func<IVenue, VenueEndpoints>? endpoints = null,
        HttpClient? http = null,
        VenueRegistry? venues = null,
        TimeProvider? clock = null
    )
    {
        _loggers = loggers;
        _http =
            http
            ?? new HttpClient { Timeout = TimeSpan.FromSeconds(30), DefaultRequestHeaders = { { "User-Agent", "market-data-pipeline" } } };
        Queue = new RecordQueue(options.QueueCapacity);
        _venues = venues ?? VenueRegistry.Default;
        var connections = new List<ExchangeConnection>();
        var pollers = new List<CandlePoller>();
        foreach (var group in listings.GroupBy(l => l.Instrument.Exchange))
        {
            if (!_venues.TryGet(group.Key, out var venue))
                continue; // "sim" and other feeds without a connector
            var where = endpoints?.Invoke(venue) ?? venue.Endpoints;
            var guard = new VenueGuard(venue, options);
            _guards.Add(guard);
            var log = loggers.CreateLogger($"Pipeline.Producers.{venue.Name}");
            var history = venue.CreateHistory(new VenueHttp(_http, guard, log), where.Rest);
            if (venue is IPolledVenue polled)
            {
                pollers.AddRange(
                    group.Select(l => new CandlePoller(polled, history, l, Queue, options, clock ?? TimeProvider.System, log))
                );
                continue;
            }
            connections.AddRange(
                group.Select(l => new ExchangeConnection(venue.CreateProtocol(), history, guard, l, where.WebSocket, Queue, options, log))
            );
        }
        Connections = connections;
        Pollers = pollers;
    }

    public IReadOnlyList<ExchangeConnection> Connections { get; }

    /// <summary>One per listing on a venue without a stream (polled over REST).</summary>
    public IReadOnlyList<CandlePoller> Pollers { get; }
    public RecordQueue Queue { get; }

    /// <param name="resumeFrom">The Kafka whose trades.raw tells where each listing stopped last time; null starts fresh.</param>
    public async Task RunAsync(TopicPublisher publisher, CancellationToken ct, KafkaClientSettings? resumeFrom = null)
    {
        var log = _loggers.CreateLogger<LiveFeed>();
        if (Connections.Count == 0 && Pollers.Count == 0)
        {
            log.LogWarning("LiveExchanges is on but no instrument is configured on {Venues}", string.Join(", ", _venues.Connected));
            return;
        }
        log.LogInformation(
            "Live connectors for {Keys}",
            string.Join(
                ", ",
                Connections.Select(c => c.Listing.Instrument.Key).Concat(Pollers.Select(p => p.Listing.Instrument.Key + " (polled)"))
            )
        );
        if (resumeFrom is not null)
        {
            // Where the previous run stopped, so the downtime is filled from REST like a disconnect.
            var last = await Task.Run(
                () => TradeResumePoints.Load(resumeFrom, Connections.Select(c => c.Listing.Instrument.Key).ToHashSet(), log, ct: ct),
                ct
            );
            foreach (var c in Connections)
                if (last.TryGetValue(c.Listing.Instrument.Key, out var trade))
                    c.ResumeAfter(trade);
            foreach (
                var group in Pollers.GroupBy(p => _venues.Get(p.Listing.Instrument.Exchange) is IPolledVenue v ? v.PolledInterval : "")
            )
            {
                var bars = await Task.Run(
                    () =>
                        CandleResumePoints.Load(
                            resumeFrom,
                            group.Select(p => p.Listing.Instrument.Key).ToHashSet(),
                            group.Key,
                            log,
                            ct: ct
                        ),
                    ct
                );
                foreach (var p in group)
                    if (bars.TryGetValue(p.Listing.Instrument.Key, out var openUs))
                        p.ResumeAfter(openUs);
            }
        }
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var drain = Queue.DrainAsync(publisher, stop.Token);
        var connections = Connections.Select(c => c.RunAsync(stop.Token)).Concat(Pollers.Select(p => p.RunAsync(stop.Token))).ToList();
        // A writer failure (Kafka refused a record) stops the connections: better to stop than to drop data.
        var first = await Task.WhenAny(connections.Append(drain));
        stop.Cancel();
        try
        {
            await Task.WhenAll(connections.Append(drain));
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
        if (first == drain && drain.IsFaulted)
            await drain;
    }

    public void Dispose()
    {
        foreach (var g in _guards)
            g.Dispose();
        _http.Dispose();
    }
}
