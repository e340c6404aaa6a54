using Pipeline.Plumbing;

namespace Pipeline.Producers;

/// <summary>Runs this role until cancelled (the `pipeline` CLI's entry point into it).</summary>
public static class ProducerRole
{
    public static Task RunAsync(PipelineContext context, CancellationToken ct) =>
        throw new NotImplementedException("ProducerRole is not built yet");
}
