namespace Pipeline.Benchmarks;

/// <summary>One benchmark: it measures its figures and their baselines in the same run and adds them to the report.</summary>
public interface IBenchmark
{
    string Name { get; }
    Task RunAsync(BenchmarkReport report, CancellationToken ct);
}
