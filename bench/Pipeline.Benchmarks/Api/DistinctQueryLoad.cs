// The benchmark's side of a DistinctQueryClient child process: sends it a command, and measures around it what this
// process (the API under test) spent: CPU, allocations, garbage collections, and how busy the whole machine was.
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Pipeline.Benchmarks.Api;

internal sealed class DistinctQueryLoad : IAsyncDisposable
{
    private static readonly GcPauseRecorder ServerGc = new();

    private readonly Process _process;

    private DistinctQueryLoad(Process process) => _process = process;

    /// <summary>What one measured command cost: the client's figures plus this process's.</summary>
    public sealed record Result(
        int Requests,
        double Rate,
        double P50,
        double P99,
        int Failed,
        double ClientCpuSeconds,
        double ServerCpuSeconds,
        double MachineBusy,
        long AllocatedBytes,
        int Gen0,
        int Gen1,
        int Gen2
    )
    {
        public int Collections => Gen0 + Gen1 + Gen2;
    }

    public static DistinctQueryLoad Start(string root, int seed)
    {
        // Run as `dotnet Pipeline.Benchmarks.dll` or as its apphost: start the client the same way.
        var self = Environment.ProcessPath!;
        var info = new ProcessStartInfo(self)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        // The load generator compiles every method fully optimised on first use: with tiered compilation its own tier-up
        // (a background compiler thread taking ~25-130 ms of CPU on the shared cores) kept happening inside the measured
        // fixed-rate runs, even after warm-up, and showed as slow stretches of the API's answers.
        info.Environment["DOTNET_TieredCompilation"] = "0";
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
            info.ArgumentList.Add(typeof(DistinctQueryLoad).Assembly.Location);
        info.ArgumentList.Add(DistinctQueryClient.Mode);
        info.ArgumentList.Add(root);
        info.ArgumentList.Add(seed.ToString(CultureInfo.InvariantCulture));
        return new DistinctQueryLoad(Process.Start(info) ?? throw new InvalidOperationException("the load client did not start"));
    }

    public async Task<JsonElement> RunAsync(string command, CancellationToken ct)
    {
        await _process.StandardInput.WriteLineAsync(command.AsMemory(), ct);
        await _process.StandardInput.FlushAsync(ct);
        var line =
            await _process.StandardOutput.ReadLineAsync(ct)
            ?? throw new InvalidOperationException($"the load client exited during '{command}'");
        var answer = JsonDocument.Parse(line).RootElement;
        if (answer.TryGetProperty("error", out var error))
            throw new InvalidOperationException($"load client, '{command}': {error.GetString()}");
        return answer;
    }

    public async Task<Result> MeasureAsync(string command, CancellationToken ct)
    {
        var self = Process.GetCurrentProcess();
        var (cpu, allocated, machine) = (self.TotalProcessorTime, GC.GetTotalAllocatedBytes(), MachineTicks());
        var (gen0, gen1, gen2) = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
        var since = DateTime.UtcNow;
        var r = await RunAsync(command, ct);
        self.Refresh();
        var (cpuAfter, machineAfter) = (self.TotalProcessorTime, MachineTicks());
        Explain(r, ServerGc.Since(since), ServerGc.StarvedSince(since), machine.Steal, machineAfter.Steal);
        var (busy, total) = (machineAfter.Busy - machine.Busy, machineAfter.Total - machine.Total);
        var g2 = GC.CollectionCount(2) - gen2;
        var g1 = GC.CollectionCount(1) - gen1 - g2;
        return new Result(
            r.GetProperty("requests").GetInt32(),
            r.GetProperty("rate").GetDouble(),
            r.GetProperty("p50").GetDouble(),
            r.GetProperty("p99").GetDouble(),
            r.GetProperty("failed").GetInt32(),
            r.GetProperty("cpu").GetDouble(),
            (cpuAfter - cpu).TotalSeconds,
            total == 0 ? 0 : (double)busy / total,
            GC.GetTotalAllocatedBytes() - allocated,
            GC.CollectionCount(0) - gen0 - g1 - g2,
            g1,
            g2
        );
    }

    public async Task<(int Asked, int Equal)> VerifyAsync(string baselineRoot, int n, CancellationToken ct)
    {
        var r = await RunAsync($"verify {baselineRoot} {n}", ct);
        foreach (var path in r.GetProperty("differing").EnumerateArray())
            Console.WriteLine($"  differs from PostgreSQL: {path.GetString()}");
        return (r.GetProperty("asked").GetInt32(), r.GetProperty("equal").GetInt32());
    }

    /// <summary>Where a fixed-rate run's slow requests lost their time: the phases' p99, both processes' collector pauses,
    /// the hypervisor's steal time, and each stretch of slow requests with the pauses inside it.</summary>
    private static void Explain(
        JsonElement r,
        IReadOnlyList<GcPauseRecorder.GcPause> server,
        IReadOnlyList<DateTime> serverStarved,
        long stealBefore,
        long stealAfter
    )
    {
        if (!r.TryGetProperty("stalls", out var stalls))
            return;
        var runStart = r.GetProperty("runStart").GetDateTime();
        var apiStarved = serverStarved.Select(t => $"{(t - runStart).TotalSeconds:F2}");
        var clientStarved = r.GetProperty("clientStarved").EnumerateArray().Select(t => $"{t.GetDouble():F2}");
        Console.WriteLine(
            $"    thread pool starved (s into the run): API [{string.Join(" ", apiStarved)}], client [{string.Join(" ", clientStarved)}]"
        );
        var client = r.GetProperty("clientGc");
        Console.WriteLine(
            $"    phases p99: queued in the client {r.GetProperty("queuedP99").GetDouble():F1} ms, to headers "
                + $"{r.GetProperty("headersP99").GetDouble():F1} ms, body {r.GetProperty("bodyP99").GetDouble():F1} ms; steal "
                + $"{(stealAfter - stealBefore) * 10} ms"
        );
        Console.WriteLine(
            $"    collector pauses: API {server.Count} ({server.Sum(p => p.Milliseconds):F1} ms, max "
                + $"{(server.Count == 0 ? 0 : server.Max(p => p.Milliseconds)):F1} ms), client {client.GetProperty("count").GetInt32()} "
                + $"({client.GetProperty("totalMs").GetDouble():F1} ms, max {client.GetProperty("maxMs").GetDouble():F1} ms)"
        );
        foreach (var s in stalls.EnumerateArray())
        {
            var (start, end) = (s.GetProperty("start").GetDateTime(), s.GetProperty("end").GetDateTime());
            var inside = server.Where(p => p.Start >= start.AddMilliseconds(-50) && p.Start <= end).ToList();
            var pauses = inside.Select(p => $"gen{p.Generation}:{p.Milliseconds:F1}ms@+{(p.Start - runStart).TotalSeconds:F2}");
            Console.WriteLine(
                $"    slow stretch at +{(start - runStart).TotalSeconds:F2} s ({start:HH:mm:ss.fff}): "
                    + $"{s.GetProperty("requests").GetInt32()} requests, worst "
                    + $"{s.GetProperty("maxLatency").GetDouble():F1} ms (queued {s.GetProperty("maxQueued").GetDouble():F1}, headers "
                    + $"{s.GetProperty("maxHeaders").GetDouble():F1}, body {s.GetProperty("maxBody").GetDouble():F1}); API pauses "
                    + $"{string.Join(" ", pauses)}; client pauses {s.GetProperty("clientGcMs").GetDouble():F1} ms"
            );
        }
    }

    /// <summary>The machine's CPU time from /proc/stat (all cores, all processes): busy and total jiffies, and steal.</summary>
    private static (long Busy, long Total, long Steal) MachineTicks()
    {
        var fields = File.ReadLines("/proc/stat")
            .First()
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Skip(1)
            .Select(f => long.Parse(f, CultureInfo.InvariantCulture))
            .ToArray();
        var total = fields.Take(8).Sum(); // user nice system idle iowait irq softirq steal (guest is inside user)
        return (total - fields[3] - fields[4], total, fields[7]);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            _process.StandardInput.Close();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill();
        }
        _process.Dispose();
    }
}
