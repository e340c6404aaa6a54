using Pipeline.Plumbing;

namespace Pipeline.Api;

/// <summary>Runs the query API until cancelled (the `pipeline` CLI's entry point into it).</summary>
public static class ApiRole
{
    public static Task RunAsync(PipelineContext context, CancellationToken ct) =>
        throw new NotImplementedException("ApiRole is not built yet");
}
