using Pipeline.Plumbing;

namespace Pipeline.Processors;

/// <summary>Runs this role until cancelled (the `pipeline` CLI's entry point into it).</summary>
public static class ProcessorRole
{
    public static Task RunAsync(PipelineContext context, CancellationToken ct) =>
        throw new NotImplementedException("ProcessorRole is not built yet");
}
