// A mix of distinct 1,000-candle /candles queries (random instrument, interval and end time; no URL is ever sent twice,
// so the 1 s output cache never answers), against three APIs on one database: PostgreSQL only with every statement
// planned anew (the baseline), PostgreSQL only as the API runs it (prepared statements, generic plans: ApiDatabase), and
// the recent-candle store on. Each gets (a) a closed loop of 16 concurrent clients for 8 s (capacity) and (b), when that
// capacity is at least 90 % of the goal, 2,000 req/s for 10 s with latency counted from each request's scheduled time
// (open loop: a stall counts against every request it delays). The load comes from a child process
// (DistinctQueryClient), so the API's CPU (this process) and the client's are measured apart; the API, PostgreSQL, the
// embedded broker and the client share the machine's cores, and other work on the machine shows in the load average
// printed at start and end and in "whole machine busy". Finally 100 fresh URLs are asked of the store and of the
// baseline: the answers must be byte-equal.
using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Pipeline.Api;
using Pipeline.Api.RecentCandles;
using Pipeline.Plumbing;
using Pipeline.Plumbing.Configuration;
using Pipeline.Plumbing.Database;
using Pipeline.Schemas;
using Pipeline.Testing;

namespace Pipeline.Benchmarks.Api;

public sealed class DistinctQueryBenchmark : IBenchmark
{
    private const int Rate = 2_000;
    private const int Clients = 16;
    private const string Unprepared = "PostgreSQL only, statements not prepared";
    private const string PostgreSql = "PostgreSQL only";
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(10);
    private static readonly DateTime DataEnd = new(2025, 1, 15, 0, 0, 0, DateTimeKind.Utc);
    private static readonly (string Base, string Quote)[] Instruments = [("BTC", "USDT"), ("ETH", "USDT")];

    /// <summary>Each series runs up to DataEnd: 3,000 candles, or fewer where 3,000 would reach back more than 120 days.</summary>
    private const int PerSeries = 3_000;

    // 21 days: 22 daily partitions. PostgreSQL plans every query over the partitions its range may touch, so the
    // baseline slows down as the history grows (a year of daily partitions made it time out).
    private const int SpanDays = 21;

    public string Name => "distinct-queries";

    public async Task RunAsync(BenchmarkReport report, CancellationToken ct)
    {
        var db = await TestPostgres.CreateDatabaseAsync();
        var options = new PipelineOptions { Instruments = PipelineConfiguration.DefaultInstruments() };
        options.Api.RateLimitPerSecond = 0; // measure the query path, not the per-client limiter
        await using (var source = NpgsqlDataSource.Create(db))
        {
            await InstrumentRegistry.SyncAsync(source, options.Instruments, ct);
            await using var cmd = source.CreateCommand(
                $"""
                SELECT pipeline_ensure_day_partitions('candles', '{DataEnd.AddDays(-SpanDays - 7):yyyy-MM-dd}', '{DataEnd:yyyy-MM-dd}');
                INSERT INTO candles (time, instrument_id, interval, source, open, high, low, close, volume, quote_volume, trade_count,
                                     taker_buy_volume, taker_buy_quote_volume, vwap, first_trade_id, last_trade_id, closed, revision)
                SELECT t, i.id, iv.name, 1, 96000.12 + n % 997, 96100.50 + n % 997, 95900.25 + n % 997, 96050.75 + n % 997,
                       12.345678 + n % 13, 1185432.10 + n, 100 + n % 50, 6.1 + n % 13, 592716.05 + n, 96020.5 + n % 997,
                       1000000 + n * 100, 1000099 + n * 100, true, 0
                FROM instruments i
                CROSS JOIN (VALUES {string.Join(
                    ", ",
                    CandleInterval.All.Select(iv => $"('{iv.Name}', {SeriesStartUs(iv)}, {iv.DurationUs})")
                )}) iv(name, first_us, step_us)
                CROSS JOIN LATERAL generate_series(0, ({DataEndUs} - iv.first_us) / iv.step_us - 1) n
                CROSS JOIN LATERAL (SELECT to_timestamp((iv.first_us + n * iv.step_us) / 1e6) AS t) tt
                WHERE i.exchange = 'binance' AND (i.base, i.quote) IN ({string.Join(
                    ", ",
                    Instruments.Select(p => $"('{p.Base}', '{p.Quote}')")
                )});
                """
            );
            cmd.CommandTimeout = 600;
            await cmd.ExecuteNonQueryAsync(ct);
            // Vacuumed and analysed now, as after any bulk load: otherwise autovacuum finds every freshly filled day
            // partition (inserts past its threshold) within a minute or so, i.e. during the measured runs, and its work
            // on the shared cores shows as latency spikes of whichever API is being measured then.
            await using var vacuum = source.CreateCommand("VACUUM (ANALYZE) candles");
            vacuum.CommandTimeout = 600;
            await vacuum.ExecuteNonQueryAsync(ct);
        }
        report.Add("candles stored (2 instruments, 14 intervals)", Instruments.Length * CandleInterval.All.Sum(SeriesLength), "rows");

        await using var kafka = await TestKafka.StartAsync(partitions: 2);
        Console.WriteLine($"  load average at start: {File.ReadAllText("/proc/loadavg").Trim()}");
        // `pipeline` (the Web SDK) runs the API with server GC; this benchmark process runs with what its runtime
        // configuration or DOTNET_gcServer says.
        Console.WriteLine($"  API garbage collector: {(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")}");
        // Baseline: PostgreSQL only, as before prepared statements (every query planned anew). It keeps running so
        // that the store's answers can be compared with it.
        options.Api.CandleStoreDepth = 0;
        var unprepared = new NpgsqlConnectionStringBuilder(db) { MaxAutoPrepare = 0, Options = "-c plan_cache_mode=auto" };
        await using var baseline = await MeasureAsync(Unprepared, null, options, kafka, unprepared.ConnectionString, 1, null, report, ct);
        // PostgreSQL only as the API runs it now (ApiDatabase: prepared statements, generic plans): the store's fallback.
        await using (await MeasureAsync(PostgreSql, Unprepared, options, kafka, db, 2, null, report, ct)) { }
        options.Api.CandleStoreDepth = new ApiOptions().CandleStoreDepth;
        await using var stored = await MeasureAsync(
            "recent-candle store",
            PostgreSql,
            options,
            kafka,
            db,
            3,
            baseline.Urls.First(),
            report,
            ct
        );
        Console.WriteLine($"  load average at end: {File.ReadAllText("/proc/loadavg").Trim()}");
    }

    private static long DataEndUs => ApiTime.ToMicroseconds(DataEnd);

    private static int SeriesLength(CandleInterval iv) => (int)Math.Min(PerSeries, SpanDays * 86_400_000_000L / iv.DurationUs);

    private static long SeriesStartUs(CandleInterval iv) => DataEndUs - SeriesLength(iv) * iv.DurationUs;

    /// <summary>Starts an API, loads it with a client process and reports; the API is left running for the caller.</summary>
    private static async Task<WebApplication> MeasureAsync(
        string label,
        string? baseline,
        PipelineOptions options,
        TestKafka kafka,
        string db,
        int seed,
        string? compareWith,
        BenchmarkReport report,
        CancellationToken ct
    )
    {
        var context = new PipelineContext(options, kafka.Settings, db, NullLoggerFactory.Instance);
        var app = ApiApp.Build(context, "http://127.0.0.1:0");
        await app.StartAsync(ct);
        var store = app.Services.GetRequiredService<RecentCandleStore>();
        if (store.Enabled)
        {
            var wait = Stopwatch.StartNew();
            while (!store.Serving)
            {
                if (wait.Elapsed > TimeSpan.FromSeconds(120))
                    throw new InvalidOperationException("the recent-candle store did not load within 120 s");
                await Task.Delay(50, ct);
            }
            Console.WriteLine($"  store loaded {store.Count:N0} candles in {wait.ElapsedMilliseconds} ms");
        }
        await using var client = DistinctQueryLoad.Start(app.Urls.First(), seed);
        // Warm-up (JIT tiers, pools, plans) on distinct URLs too, every 50th answer checked as in the measured runs.
        await client.RunAsync($"closed {Clients} {(store.Enabled ? 4 : 2)}", ct);
        var (hits, misses) = (store.Hits, store.Misses);

        var closed = await client.MeasureAsync($"closed {Clients} 8", ct);
        report.Add(
            $"{label}: capacity, {Clients} concurrent clients",
            closed.Rate,
            "req/s",
            baseline is null ? null : $"{baseline}: capacity, {Clients} concurrent clients"
        );
        report.Add($"{label}: same, latency p50", closed.P50, "ms");
        report.Add($"{label}: same, latency p99", closed.P99, "ms");
        ReportCost(label, "same", closed, report);
        if (closed.Rate >= Rate * 0.9)
        {
            // Warm-up of the fixed-rate path as well: its code (the client's scheduling loop and per-request task) runs for
            // the first time here, and perf showed the client's tiered compiler busy for ~130 ms of CPU in the first 3 s
            // of an unwarmed measured run, behind the slowest stretch of that run.
            await client.RunAsync($"fixed {Rate} 3", ct);
            var open = await client.MeasureAsync($"fixed {Rate} {Duration.TotalSeconds}", ct);
            report.Add($"{label}: fixed {Rate:N0} req/s, achieved", open.Rate, "req/s");
            report.Add($"{label}: fixed {Rate:N0} req/s, latency p50", open.P50, "ms");
            report.Add($"{label}: fixed {Rate:N0} req/s, latency p99", open.P99, "ms");
            ReportCost(label, $"fixed {Rate:N0} req/s", open, report);
        }
        else
            Console.WriteLine(
                $"  {label}: capacity {closed.Rate:N0} req/s is below {Rate:N0}: the fixed-rate run would only queue up; not run"
            );
        if (store.Enabled)
        {
            var answered = store.Hits - hits + store.Misses - misses;
            report.Add($"{label}: answers from memory", answered == 0 ? 0 : 100.0 * (store.Hits - hits) / answered, "%");
        }
        if (compareWith is not null)
        {
            var (asked, equal) = await client.VerifyAsync(compareWith, 100, ct);
            report.Add($"{label}: answers byte-equal to the PostgreSQL-only API's (fresh URLs)", equal, $"of {asked}");
            if (equal != asked)
                throw new InvalidOperationException($"{asked - equal} of {asked} answers differed from PostgreSQL's");
        }
        return app;
    }

    private static void ReportCost(string label, string run, DistinctQueryLoad.Result r, BenchmarkReport report)
    {
        if (r.Failed > 0)
            report.Add($"{label}: {run}, failed or timed out (30 s)", r.Failed, "requests");
        report.Add($"{label}: {run}, API process CPU per request", 1000 * r.ServerCpuSeconds / r.Requests, "ms");
        report.Add($"{label}: {run}, client process CPU per request", 1000 * r.ClientCpuSeconds / r.Requests, "ms");
        report.Add($"{label}: {run}, whole machine busy (all processes)", r.MachineBusy * 100, "%");
        report.Add($"{label}: {run}, API allocations per request", r.AllocatedBytes / 1024.0 / r.Requests, "KiB");
        report.Add($"{label}: {run}, API garbage collections (gen0/1/2)", r.Collections, $"({r.Gen0}/{r.Gen1}/{r.Gen2})");
    }

    /// <summary>A 1,000-candle query: random instrument, random interval among those with at least 1,000 stored candles
    /// (1m to 30m in 21 days), end at a random moment (not on the interval grid) among the series' latest intervals
    /// that leave a full page before it (at most the latest 1,000: inside the store's default depth of 2,000); half ask
    /// for the latest 1,000 before end, half give start as well.</summary>
    internal static string RandomQuery(Random rng)
    {
        var (b, q) = Instruments[rng.Next(Instruments.Length)];
        CandleInterval iv;
        do iv = CandleInterval.All[rng.Next(CandleInterval.All.Count)];
        while (SeriesLength(iv) < 1_000);
        var end = DataEndUs - rng.NextInt64(0, Math.Min(1_000, SeriesLength(iv) - 1_000 + 1) * iv.DurationUs);
        var endMs = end / 1000;
        var query =
            rng.Next(2) == 0
                ? $"end={endMs}&limit=1000"
                : $"start={(iv.OpenTimeOf(end) - 999 * iv.DurationUs) / 1000}&end={endMs}&limit=1000";
        return $"/candles/binance/{b}/{q}/spot/{iv.Name}?{query}";
    }
}
