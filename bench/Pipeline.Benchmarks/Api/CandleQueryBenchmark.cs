// The API under load: a 1,000-candle query hammered by wrk (Debian's wrk; 2 threads, 16 connections, 10 s).
// API, PostgreSQL and wrk share the same 2 cores.
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Pipeline.Api;
using Pipeline.Plumbing;
using Pipeline.Plumbing.Configuration;
using Pipeline.Plumbing.Database;
using Pipeline.Plumbing.Kafka;
using Pipeline.Testing;

namespace Pipeline.Benchmarks.Api;

public sealed class CandleQueryBenchmark : IBenchmark
{
    public string Name => "api";

    public async Task RunAsync(BenchmarkReport report, CancellationToken ct)
    {
        var db = await TestPostgres.CreateDatabaseAsync();
        var options = new PipelineOptions { Instruments = PipelineConfiguration.DefaultInstruments() };
        options.Api.RateLimitPerSecond = 0; // measure the query path, not the limiter
        await using (var source = NpgsqlDataSource.Create(db))
        {
            await InstrumentRegistry.SyncAsync(source, options.Instruments, ct);
            await using var cmd = source.CreateCommand(
                """
                SELECT pipeline_ensure_day_partitions('candles', '2025-01-15T00:00:00Z', '2025-01-16T00:00:00Z');
                INSERT INTO candles (time, instrument_id, interval, source, open, high, low, close, volume, quote_volume, trade_count,
                                     closed, revision)
                SELECT '2025-01-15T00:00:00Z'::timestamptz + m * interval '1 minute', i.id, '1m', 1,
                       96000.12 + m, 96100.50 + m, 95900.25 + m, 96050.75 + m, 12.345678 + m, 1185432.10 + m, 100 + m, true, 0
                FROM instruments i, generate_series(0, 1999) m WHERE i.exchange = 'binance' AND i.base = 'BTC' AND i.quote = 'USDT';
                ANALYZE candles;
                """
            );
            await cmd.ExecuteNonQueryAsync(ct);
        }
        LibrdkafkaLoader.EnsureLoaded();
        var context = new PipelineContext(options, new KafkaClientSettings("127.0.0.1:1"), db, NullLoggerFactory.Instance);
        await using var app = ApiApp.Build(context, "http://127.0.0.1:0");
        await app.StartAsync(ct);
        var url = app.Urls.First() + "/candles/binance/BTC/USDT/spot/1m?start=2025-01-15T00:00:00Z&end=2025-01-15T16:40:00Z&limit=1000";

        using (var http = new HttpClient())
        {
            var body = await http.GetStringAsync(url, ct);
            if (!body.Contains("\"count\":1000", StringComparison.Ordinal))
                throw new InvalidOperationException(
                    "the benchmark query did not return 1,000 candles: "
                        + body[..Math.Min(300, body.Length)]
                        + " … "
                        + body[Math.Max(0, body.Length - 300)..]
                );
            report.Add("response size (1,000 candles)", body.Length / 1024.0, "KiB");
            for (var i = 0; i < 300; i++)
                await http.GetStringAsync(url, ct); // warm-up: JIT, pools, plans
        }

        // Same URL: after the first answer each second, the output cache serves it.
        var cached = await WrkAsync(url, null, ct);
        report.Add("1,000-candle query, same URL (wrk -t2 -c16)", cached.Rps, "req/s");
        report.Add("same URL latency p50", cached.P50, "ms");
        report.Add("same URL latency p99", cached.P99, "ms");

        // Fixed rate (what the issue's target is about; wrk cannot hold a rate): 2,000 req/s for 10 s, latency from
        // each request's scheduled time, so a stall counts against every request it delays.
        var (p50, p99, errors) = await FixedRateAsync(url, 2_000, TimeSpan.FromSeconds(10), ct);
        report.Add("same URL at a fixed 2,000 req/s: latency p50", p50, "ms");
        report.Add("same URL at a fixed 2,000 req/s: latency p99", p99, "ms");
        if (errors > 0)
            throw new InvalidOperationException($"{errors} requests failed at the fixed rate");

        // Every request a different URL (end moves by a random number of milliseconds inside the next minute, so the
        // answer is the same 1,000 candles): nearly every request goes to PostgreSQL.
        var script = Path.Combine(TestDirectories.Create("wrk"), "vary.lua");
        await File.WriteAllTextAsync(
            script,
            "request = function() return wrk.format(\"GET\", wrk.path .. \"&end=\" .. (1736959200000 + math.random(0, 59999))) end\n",
            ct
        );
        var uncachedUrl = app.Urls.First() + "/candles/binance/BTC/USDT/spot/1m?start=2025-01-15T00:00:00Z&limit=1000";
        var uncached = await WrkAsync(uncachedUrl, script, ct);
        report.Add("1,000-candle query, distinct URLs (uncached)", uncached.Rps, "req/s");
        report.Add("distinct URLs latency p50", uncached.P50, "ms");
        report.Add("distinct URLs latency p99", uncached.P99, "ms");
        await app.StopAsync(ct);
    }

    private static async Task<(double P50, double P99, int Errors)> FixedRateAsync(
        string url,
        int perSecond,
        TimeSpan duration,
        CancellationToken ct
    )
    {
        using var http = new HttpClient(
            new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionLifetime = TimeSpan.FromMinutes(5) }
        );
        var total = (int)(perSecond * duration.TotalSeconds);
        var latencies = new double[total];
        var errors = 0;
        var tasks = new List<Task>(total);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < total; i++)
        {
            var due = i * 1000.0 / perSecond;
            var wait = due - clock.Elapsed.TotalMilliseconds;
            if (wait > 1)
                await Task.Delay(TimeSpan.FromMilliseconds(wait), ct);
            var n = i;
            tasks.Add(
                Task.Run(
                    async () =>
                    {
                        try
                        {
                            using var r = await http.GetAsync(url, HttpCompletionOption.ResponseContentRead, ct);
                            if (!r.IsSuccessStatusCode)
                                Interlocked.Increment(ref errors);
                        }
                        catch (HttpRequestException)
                        {
                            Interlocked.Increment(ref errors);
                        }
                        latencies[n] = clock.Elapsed.TotalMilliseconds - due;
                    },
                    ct
                )
            );
        }
        await Task.WhenAll(tasks);
        Array.Sort(latencies);
        return (latencies[total / 2], latencies[(int)(total * 0.99)], errors);
    }

    private static async Task<(double Rps, double P50, double P99)> WrkAsync(string url, string? script, CancellationToken ct)
    {
        var psi = new ProcessStartInfo("wrk") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { "-t2", "-c16", "-d10s", "--latency" })
            psi.ArgumentList.Add(a);
        if (script is not null)
        {
            psi.ArgumentList.Add("-s");
            psi.ArgumentList.Add(script);
        }
        psi.ArgumentList.Add(url);
        using var wrk =
            Process.Start(psi) ?? throw new InvalidOperationException("wrk is not installed (apt install wrk; make setup does)");
        var output = await wrk.StandardOutput.ReadToEndAsync(ct);
        await wrk.WaitForExitAsync(ct);
        Console.WriteLine(output);
        if (output.Contains("Non-2xx or 3xx responses", StringComparison.Ordinal))
            throw new InvalidOperationException("wrk saw error responses");
        return (
            double.Parse(Regex.Match(output, @"Requests/sec:\s+([\d.]+)").Groups[1].Value, CultureInfo.InvariantCulture),
            Milliseconds(output, "50%"),
            Milliseconds(output, "99%")
        );
    }

    private static double Milliseconds(string wrkOutput, string percentile)
    {
        var m = Regex.Match(wrkOutput, $@"\s{Regex.Escape(percentile)}\s+([\d.]+)(us|ms|s)");
        var v = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        return m.Groups[2].Value switch
        {
            "us" => v / 1000,
            "s" => v * 1000,
            _ => v,
        };
    }
}
