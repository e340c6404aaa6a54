using Microsoft.Extensions.Logging;
using Pipeline.Plumbing;

namespace Pipeline.Api;

/// <summary>Runs the query API until cancelled (the `pipeline` CLI's entry point into it).</summary>
public static class ApiRole
{
    public static async Task RunAsync(PipelineContext context, CancellationToken ct)
    {
        await using var app = ApiApp.Build(context);
        await app.StartAsync(ct);
        context.LoggerFactory.CreateLogger("Pipeline.Api").LogInformation("API listening on {Urls}", string.Join(", ", app.Urls));
        try
        {
            await Task.Delay(Timeout.Infinite, ct);
        }
        catch (OperationCanceledException) { }
        await app.StopAsync(CancellationToken.None);
    }
}
