// The load generator of the distinct-queries benchmark, run as a child process of the benchmark so that its CPU time is
// measured apart from the API's (both share the machine's cores). It reads commands from stdin, one per line, and
// answers each with one JSON line on stdout:
//   closed <clients> <seconds>    a closed loop: each client sends its next request when the previous answer is read
//   fixed <rate> <seconds>        requests scheduled at a fixed rate, latency counted from each one's scheduled time
//   verify <baseline root> <n>    n fresh URLs asked of the API under test and of the baseline API: bytes must be equal
// No URL is ever sent twice. Bodies are read into a pooled buffer and dropped, except every 50th, which is parsed and
// checked (a full page of the asked instrument and interval, times rising inside the asked range).
using System.Buffers;
using System.Diagnostics;
using System.Text.Json;

namespace Pipeline.Benchmarks.Api;

internal sealed class DistinctQueryClient
{
    public const string Mode = "--distinct-queries-client";

    private const int CheckEvery = 50;

    /// <summary>A request slower than this (the goal's p99) belongs to a stall stretch in the fixed-rate report.</summary>
    private const double StallMs = 20;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly GcPauseRecorder _gc = new();

    private readonly string _root;
    private readonly Random _rng;
    private readonly HashSet<string> _sent = new(StringComparer.Ordinal);
    private readonly HttpClient _http = new(
        new SocketsHttpHandler
        {
            MaxConnectionsPerServer = 512,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            UseProxy = false,
            UseCookies = false,
            AutomaticDecompression = System.Net.DecompressionMethods.None,
        }
    )
    {
        Timeout = TimeSpan.FromSeconds(30),
    };
    private long _requests;
    private long _checked;

    private DistinctQueryClient(string root, int seed)
    {
        _root = root;
        _rng = new Random(seed);
    }

    /// <summary>Arguments: the API's root URL and the random seed of its queries.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var client = new DistinctQueryClient(args[0], int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture));
        while (Console.ReadLine() is { } line)
        {
            var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (words.Length == 0)
                continue;
            object answer;
            try
            {
                answer = words[0] switch
                {
                    "closed" => await client.ClosedLoopAsync(int.Parse(words[1]), TimeSpan.FromSeconds(double.Parse(words[2]))),
                    "fixed" => await client.FixedRateAsync(int.Parse(words[1]), TimeSpan.FromSeconds(double.Parse(words[2]))),
                    "verify" => await client.VerifyAsync(words[1], int.Parse(words[2])),
                    _ => throw new InvalidOperationException($"unknown command '{line}'"),
                };
            }
            catch (Exception e)
            {
                answer = new { error = e.Message };
            }
            Console.WriteLine(JsonSerializer.Serialize(answer, Json));
        }
        return 0;
    }

    private string NextUrl()
    {
        lock (_sent)
        {
            while (true)
            {
                var url = _root + DistinctQueryBenchmark.RandomQuery(_rng);
                if (_sent.Add(url))
                    return url;
            }
        }
    }

    private async Task<object> ClosedLoopAsync(int clients, TimeSpan duration)
    {
        var cpu = CpuSeconds();
        var latencies = new List<double>[clients];
        var failed = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(
            Enumerable
                .Range(0, clients)
                .Select(c =>
                    Task.Run(async () =>
                    {
                        var mine = latencies[c] = [];
                        while (clock.Elapsed < duration)
                        {
                            var started = clock.Elapsed.TotalMilliseconds;
                            if (!await GetAsync(NextUrl()))
                                Interlocked.Increment(ref failed);
                            mine.Add(clock.Elapsed.TotalMilliseconds - started);
                        }
                    })
                )
        );
        var seconds = clock.Elapsed.TotalSeconds;
        var all = latencies.SelectMany(l => l).Order().ToArray();
        return Summary(all, seconds, failed, CpuSeconds() - cpu);
    }

    private async Task<object> FixedRateAsync(int rate, TimeSpan duration)
    {
        var total = (int)(rate * duration.TotalSeconds);
        var urls = Enumerable.Range(0, total).Select(_ => NextUrl()).ToArray();
        var cpu = CpuSeconds();
        var latencies = new double[total];
        // Per request, ms from the clock's start: when its task began running, when the headers arrived, when it ended.
        var (started, headers, done) = (new double[total], new double[total], new double[total]);
        var failed = 0;
        var lastDone = 0.0;
        var tasks = new Task[total];
        var wallStart = DateTime.UtcNow;
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < total; i++)
        {
            var due = i * 1000.0 / rate;
            var wait = due - clock.Elapsed.TotalMilliseconds;
            if (wait > 1)
                await Task.Delay(TimeSpan.FromMilliseconds(wait));
            var n = i;
            tasks[i] = Task.Run(async () =>
            {
                started[n] = clock.Elapsed.TotalMilliseconds;
                if (!await GetAsync(urls[n], () => headers[n] = clock.Elapsed.TotalMilliseconds))
                    Interlocked.Increment(ref failed);
                var end = done[n] = clock.Elapsed.TotalMilliseconds;
                latencies[n] = end - due;
                lock (latencies)
                    lastDone = Math.Max(lastDone, end);
            });
        }
        await Task.WhenAll(tasks);
        var phases = Enumerable
            .Range(0, total)
            .Select(n => (Due: n * 1000.0 / rate, Started: started[n], Headers: headers[n], Done: done[n]));
        var stalls = Stalls(phases.ToArray(), wallStart);
        var sorted = (double[])latencies.Clone();
        Array.Sort(sorted);
        var summary = Summary(sorted, lastDone / 1000, failed, CpuSeconds() - cpu);
        var pauses = _gc.Since(wallStart);
        return new
        {
            requests = summary.Requests,
            rate = summary.Rate,
            p50 = summary.P50,
            p99 = summary.P99,
            failed = summary.Failed,
            cpu = summary.Cpu,
            @checked = summary.Checked,
            queuedP99 = Percentile(phases.Select(p => p.Started - p.Due), 0.99),
            headersP99 = Percentile(phases.Select(p => p.Headers - p.Started), 0.99),
            bodyP99 = Percentile(phases.Select(p => p.Done - p.Headers), 0.99),
            clientGc = new
            {
                count = pauses.Count,
                totalMs = pauses.Sum(p => p.Milliseconds),
                maxMs = pauses.Count == 0 ? 0 : pauses.Max(p => p.Milliseconds),
            },
            clientStarved = _gc.StarvedSince(wallStart).Select(t => (t - wallStart).TotalSeconds).ToArray(),
            runStart = wallStart,
            stalls,
        };
    }

    /// <summary>Stretches of requests over <see cref="StallMs"/> (requests due within 50 ms of each other belong to one
    /// stretch), worst first: when the first was due (UTC), how many, and the worst of each phase, with the client's
    /// own collector pauses inside the stretch.</summary>
    private object[] Stalls((double Due, double Started, double Headers, double Done)[] phases, DateTime wallStart)
    {
        var slow = phases.Where(p => p.Done - p.Due > StallMs).OrderBy(p => p.Due).ToList();
        var groups = new List<List<(double Due, double Started, double Headers, double Done)>>();
        foreach (var p in slow)
        {
            if (groups.Count == 0 || p.Due - groups[^1][^1].Due > 50)
                groups.Add([]);
            groups[^1].Add(p);
        }
        return groups
            .OrderByDescending(g => g.Max(p => p.Done - p.Due))
            .Take(8)
            .Select(g =>
            {
                var (from, to) = (wallStart.AddMilliseconds(g[0].Due - 50), wallStart.AddMilliseconds(g.Max(p => p.Done)));
                return (object)
                    new
                    {
                        start = wallStart.AddMilliseconds(g[0].Due),
                        end = to,
                        requests = g.Count,
                        maxLatency = g.Max(p => p.Done - p.Due),
                        maxQueued = g.Max(p => p.Started - p.Due),
                        maxHeaders = g.Max(p => p.Headers - p.Started),
                        maxBody = g.Max(p => p.Done - p.Headers),
                        clientGcMs = _gc.Since(from).Where(x => x.Start <= to).Sum(x => x.Milliseconds),
                    };
            })
            .ToArray();
    }

    private static double Percentile(IEnumerable<double> values, double q)
    {
        var sorted = values.Order().ToArray();
        return sorted[(int)(sorted.Length * q)];
    }

    /// <summary>Fresh URLs asked of both APIs; answers with how many had equal status and bytes.</summary>
    private async Task<object> VerifyAsync(string baselineRoot, int n)
    {
        var equal = 0;
        var differing = new List<string>();
        for (var i = 0; i < n; i++)
        {
            var url = NextUrl();
            var path = url[_root.Length..];
            using var mine = await _http.GetAsync(url);
            using var theirs = await _http.GetAsync(baselineRoot + path);
            var (a, b) = (await mine.Content.ReadAsByteArrayAsync(), await theirs.Content.ReadAsByteArrayAsync());
            if (mine.StatusCode == theirs.StatusCode && a.AsSpan().SequenceEqual(b))
                equal++;
            else if (differing.Count < 3)
                differing.Add(path);
        }
        return new
        {
            asked = n,
            equal,
            differing,
        };
    }

    /// <summary>One request; the body is read to its end (so latency covers every byte) and dropped, or checked.</summary>
    private async Task<bool> GetAsync(string url, Action? headersArrived = null)
    {
        var check = Interlocked.Increment(ref _requests) % CheckEvery == 0;
        try
        {
            using var response = await _http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead);
            headersArrived?.Invoke();
            if (!response.IsSuccessStatusCode)
                return false;
            await using var body = await response.Content.ReadAsStreamAsync();
            if (check)
            {
                using var doc = await JsonDocument.ParseAsync(body);
                Check(url, doc.RootElement);
                Interlocked.Increment(ref _checked);
                return true;
            }
            var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
            try
            {
                while (await body.ReadAsync(buffer) > 0) { }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
            return true;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            return false;
        }
    }

    /// <summary>A full page (999 or 1,000 candles: a range of 1,000 intervals ending inside one holds 999 whole ones)
    /// of the asked interval, with times rising and inside the range the answer states.</summary>
    private static void Check(string url, JsonElement answer)
    {
        var metadata = answer.GetProperty("metadata");
        var data = answer.GetProperty("data");
        var count = metadata.GetProperty("count").GetInt32();
        var interval = url[(url.LastIndexOf('/') + 1)..url.IndexOf('?')];
        if (count is not (1000 or 999) || data.GetArrayLength() != count || metadata.GetProperty("interval").GetString() != interval)
            throw new InvalidOperationException($"{url} answered {count} candles of {metadata.GetProperty("interval")}");
        var (start, end) = (metadata.GetProperty("start").GetDateTime(), metadata.GetProperty("end").GetDateTime());
        var previous = DateTime.MinValue;
        foreach (var candle in data.EnumerateArray())
        {
            var time = candle.GetProperty("time").GetDateTime();
            if (time <= previous || time < start || time >= end)
                throw new InvalidOperationException($"{url} answered a candle at {time:O} out of order or outside {start:O}..{end:O}");
            previous = time;
        }
    }

    private Totals Summary(double[] latencies, double seconds, int failed, double cpuSeconds) =>
        new(
            latencies.Length,
            latencies.Length / seconds,
            latencies[latencies.Length / 2],
            latencies[(int)(latencies.Length * 0.99)],
            failed,
            cpuSeconds,
            Interlocked.Exchange(ref _checked, 0)
        );

    /// <summary>What every measured command reports (written camelCase on the answer line).</summary>
    private sealed record Totals(int Requests, double Rate, double P50, double P99, int Failed, double Cpu, long Checked);

    private static double CpuSeconds() => Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
}
