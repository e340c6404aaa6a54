using Pipeline.Plumbing;

namespace Pipeline.Sinks;

/// <summary>Runs this role until cancelled (the `pipeline` CLI's entry point into it).</summary>
public static class SinkRole
{
    public static Task RunAsync(PipelineContext context, CancellationToken ct) =>
        throw new NotImplementedException("SinkRole is not built yet");
}
