// `pipeline health`: the container health check. Runtime images carry no curl or wget, so the CLI asks the role's own
// HTTP endpoint (/metrics of a standalone role, /health of the API) and exits 0 when it answers 2xx.
using System.CommandLine;
using Pipeline.Plumbing.Errors;

namespace Pipeline.Cli.Commands;

public static class HealthCommand
{
    public const string DefaultUrl = "http://127.0.0.1:9464/metrics";

    public static Command Create()
    {
        var url = new Option<string>("--url")
        {
            Description =
                $"Endpoint to ask (default {DefaultUrl}: a role started with --metrics-port 9464; the API: http://127.0.0.1:8080/health)",
            DefaultValueFactory = _ => DefaultUrl,
        };
        var command = new Command(
            "health",
            "Exit 0 when the role in this container answers on its HTTP endpoint (Docker HEALTHCHECK); 1 otherwise"
        );
        command.Options.Add(url);
        command.SetAction(
            (parse, _) =>
                CliRunner.RunAsync(async ct =>
                {
                    var target = parse.GetValue(url)!;
                    if (!Uri.TryCreate(target, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                        throw new InvalidRequestException($"--url '{target}' is not an http(s) URL; use e.g. {DefaultUrl}");
                    using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
                    try
                    {
                        using var response = await http.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, ct);
                        if (response.IsSuccessStatusCode)
                            return 0;
                        Console.Error.WriteLine($"error: {uri} answered {(int)response.StatusCode} {response.ReasonPhrase}");
                    }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
                    {
                        Console.Error.WriteLine($"error: {uri} does not answer ({e.Message})");
                    }
                    return CliRunner.ExitFailure;
                })
        );
        return command;
    }
}
