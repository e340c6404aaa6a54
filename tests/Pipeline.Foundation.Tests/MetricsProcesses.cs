// The `pipeline` processes a metrics test starts (killed when the test ends) and a scraper of the /metrics they serve.
using Pipeline.Testing;

namespace Pipeline.Foundation.Tests;

internal sealed class MetricsProcesses : IDisposable
{
    private readonly List<ChildProcess> _processes = [];
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>`pipeline <paramref name="args"/>` in a folder of its own, with only <paramref name="environment"/> set.</summary>
    public ChildProcess Start(IDictionary<string, string?> environment, params string[] args)
    {
        var process = ChildProcess.Start("pipeline.dll", args, environment, workingDirectory: TestDirectories.Create("metrics-role"));
        _processes.Add(process);
        return process;
    }

    public Task<PrometheusScrape> ScrapeAsync(int port) => PrometheusScrape.GetAsync(_http, $"http://127.0.0.1:{port}/metrics");

    /// <summary>The sum of a series on a port, or null while nothing serves there yet.</summary>
    public async Task<double?> SumAsync(int port, string name, params string[] labels)
    {
        try
        {
            return (await ScrapeAsync(port)).Sum(name, labels);
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    public void Dispose()
    {
        foreach (var process in _processes)
            process.Dispose();
        _http.Dispose();
    }
}
