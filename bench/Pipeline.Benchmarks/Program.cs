// Runs every IBenchmark in this assembly (or those whose names contain an argument) and prints the report.
using System.Reflection;
using Pipeline.Benchmarks;
using Pipeline.Benchmarks.Api;

if (args is [DistinctQueryClient.Mode, .. var clientArgs])
    return await DistinctQueryClient.RunAsync(clientArgs); // the distinct-queries benchmark's load generator (a child process)

var filters = args.Where(a => !a.StartsWith('-')).ToArray();
var benchmarks = Assembly
    .GetExecutingAssembly()
    .GetTypes()
    .Where(t => typeof(IBenchmark).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
    .Select(t => (IBenchmark)Activator.CreateInstance(t)!)
    .Where(b => filters.Length == 0 || filters.Any(f => b.Name.Contains(f, StringComparison.OrdinalIgnoreCase)))
    .OrderBy(b => b.Name)
    .ToList();
var report = new BenchmarkReport();
Console.WriteLine($"Running {benchmarks.Count} benchmark(s) on {Environment.ProcessorCount} cores");
var failed = 0;
foreach (var b in benchmarks)
{
    Console.WriteLine($"== {b.Name}");
    report.Current = b.Name;
    try
    {
        await b.RunAsync(report, CancellationToken.None);
    }
    catch (Exception e)
    {
        failed++;
        Console.Error.WriteLine($"benchmark {b.Name} failed: {e.Message}");
    }
}
report.Print(Console.Out);
return failed == 0 ? 0 : 1;
