// Starts the live exchange connectors for the configured real instruments.
using Microsoft.Extensions.Logging;
using Pipeline.Plumbing;
using Pipeline.Producers.Publishing;

namespace Pipeline.Producers;

internal static class LiveFeeds
{
    public static Task RunAsync(PipelineContext context, TopicPublisher publisher, CancellationToken ct)
    {
        context.LoggerFactory.CreateLogger("Pipeline.Producers").LogWarning("Live exchange connectors are not built yet");
        return Task.CompletedTask;
    }
}
