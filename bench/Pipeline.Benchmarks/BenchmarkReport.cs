namespace Pipeline.Benchmarks;

/// <summary>Collects measured figures; a figure may name a baseline figure of the same run and is printed as a ratio to it.</summary>
public sealed class BenchmarkReport
{
    private readonly List<(string Benchmark, string Name, double Value, string Unit, string? Baseline, double? Target)> _rows = new();
    private readonly object _gate = new();

    public string Current { get; set; } = "";

    public void Add(string name, double value, string unit, string? baseline = null, double? targetRatio = null)
    {
        lock (_gate)
            _rows.Add((Current, name, value, unit, baseline, targetRatio));
        Console.WriteLine($"  {name}: {value:N1} {unit}");
    }

    public void Print(TextWriter w)
    {
        w.WriteLine();
        w.WriteLine($"| benchmark | figure | value | unit | ratio to baseline | target |");
        w.WriteLine($"|---|---|---:|---|---:|---:|");
        foreach (var r in _rows)
        {
            var ratio =
                r.Baseline is null ? ""
                : _rows.FirstOrDefault(b => b.Name == r.Baseline) is { Name: not null } b && b.Value != 0
                    ? $"{r.Value / b.Value:F2} × {r.Baseline}"
                : $"(no baseline {r.Baseline})";
            w.WriteLine($"| {r.Benchmark} | {r.Name} | {r.Value:N1} | {r.Unit} | {ratio} | {(r.Target is { } t ? $"≥ {t:F2}" : "")} |");
        }
    }
}
