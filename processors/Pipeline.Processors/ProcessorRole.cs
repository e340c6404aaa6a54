using Microsoft.Extensions.Logging;
using Pipeline.Plumbing;
using Pipeline.Plumbing.Kafka;
using Pipeline.Processors.Hosting;

namespace Pipeline.Processors;

/// <summary>Runs this role until cancelled (the `pipeline` CLI's entry point into it).</summary>
public static class ProcessorRole
{
    public static Task RunAsync(PipelineContext context, CancellationToken ct)
    {
        var version = LibrdkafkaLoader.EnsureLoaded();
        context.LoggerFactory.CreateLogger("Pipeline.Processors").LogInformation("librdkafka {Version}", version);
        return new ProcessorHost(context).RunAsync(ct);
    }
}
