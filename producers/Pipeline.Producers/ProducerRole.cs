// The producers role: the simulated feed and, when LiveExchanges is on, the live exchange connectors.
using Microsoft.Extensions.Logging;
using Pipeline.Plumbing;
using Pipeline.Producers.Backfill;
using Pipeline.Producers.Publishing;
using Pipeline.Producers.Simulation;
using Pipeline.Producers.Venues;

namespace Pipeline.Producers;

/// <summary>Runs this role until cancelled (the `pipeline` CLI's entry point into it).</summary>
public static class ProducerRole
{
    public static async Task RunAsync(PipelineContext context, CancellationToken ct)
    {
        var log = context.LoggerFactory.CreateLogger("Pipeline.Producers");
        var options = context.Options;
        using var publisher = new TopicPublisher(context.Kafka, "pipeline-producers", log);
        try
        {
            var feeds = new List<Task>();
            if (options.Simulator.Enabled)
            {
                var market = new SimulatedMarket(
                    options.Simulator,
                    options.Instruments,
                    context.LoggerFactory.CreateLogger<SimulatedMarket>()
                );
                feeds.Add(market.RunAsync(publisher, ct));
            }
            if (options.LiveExchanges)
                feeds.Add(LiveFeeds.RunAsync(context, publisher, ct));
            // Backfill jobs (POST /backfills, catch-up) run in the one producers process that owns backfill.jobs, live or not.
            using var ownership = new BackfillJobOwnership(context.Kafka, context.LoggerFactory.CreateLogger<BackfillJobOwnership>());
            using var jobs = new BackfillJobRunner(
                context.Kafka,
                publisher,
                options.Connections,
                new VenueListings(options.Instruments),
                context.LoggerFactory,
                venue => VenueEndpoints.Configured(venue, options.Exchanges),
                ownership: ownership
            );
            feeds.Add(jobs.RunAsync(ct));
            if (options.LiveExchanges && options.Backfill.CatchUp)
                feeds.Add(jobs.ScheduleCatchUpAsync(options.Backfill, ct));
            if (!options.Simulator.Enabled && !options.LiveExchanges)
                log.LogWarning("No feed is enabled (Simulator:Enabled and LiveExchanges are both off); the producers role idles");
            await Task.WhenAll(feeds);
            await Task.Delay(Timeout.Infinite, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Graceful stop: what was handed to Kafka is flushed by the publisher's Dispose.
        }
    }
}
