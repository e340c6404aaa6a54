// Starts the live exchange connectors for the configured real instruments.
using Pipeline.Plumbing;
using Pipeline.Producers.Connectors;
using Pipeline.Producers.Publishing;
using Pipeline.Producers.Venues;

namespace Pipeline.Producers;

internal static class LiveFeeds
{
    public static async Task RunAsync(PipelineContext context, TopicPublisher publisher, CancellationToken ct)
    {
        // Endpoint overrides were checked when the configuration was loaded.
        var exchanges = context.Options.Exchanges;
        using var feed = new LiveFeed(
            new VenueListings(context.Options.Instruments).All,
            context.Options.Connections,
            context.LoggerFactory,
            venue => VenueEndpoints.Configured(venue, exchanges)
        );
        await feed.RunAsync(publisher, ct, resumeFrom: context.Kafka);
    }
}
