// GET /twaps for a wallet with 100,000 TWAP statuses over one year (plus 300,000 of other wallets): p50/p99 of
// one-year query pages (random offsets, one client, closed loop) against the /health round trip as the baseline.
// API and PostgreSQL share the machine's 2 cores.
using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Pipeline.Api;
using Pipeline.Plumbing;
using Pipeline.Plumbing.Configuration;
using Pipeline.Plumbing.Kafka;
using Pipeline.Testing;

namespace Pipeline.Benchmarks.Twap;

public sealed class TwapQueryBenchmark : IBenchmark
{
    private const string Wallet = "0x00000000000000000000000000000000000000aa";
    private const int Requests = 400;

    public string Name => "twap";

    public async Task RunAsync(BenchmarkReport report, CancellationToken ct)
    {
        var db = await TestPostgres.CreateDatabaseAsync();
        await using (var source = NpgsqlDataSource.Create(db))
        {
            // 40,000 TWAPs of the wallet, 2.5 statuses each (activated, then finished/terminated; every other one also
            // an error), spread over 2025; 120,000 TWAPs of 50 other wallets the same way.
            await using var cmd = source.CreateCommand(
                """
                INSERT INTO twap_status (twap_id, wallet, time, status, coin, side, size, executed_size, executed_notional, minutes,
                    reduce_only, randomize, order_time, raw_payload, source_object, source_generation)
                SELECT t.id, t.wallet, t.start + s.n * interval '17 minutes',
                       (ARRAY['activated', 'finished', 'error: Insufficient margin'])[s.n + 1],
                       (ARRAY['BTC', 'ETH', 'SOL', 'HYPE'])[t.id % 4 + 1],
                       CASE WHEN t.id % 2 = 0 THEN 'B' ELSE 'A' END, 12.5, 12.5 * s.n / 2, 812345.12345678 * s.n / 2, 30, false, true,
                       t.start, '{"bench": true}'::jsonb, 'bench/' || (t.id % 8760) || '.parquet', 1
                FROM (SELECT i AS id,
                             CASE WHEN i < 40000 THEN '0x00000000000000000000000000000000000000aa'
                                  ELSE '0x' || lpad(to_hex(i % 50 + 1), 40, '0') END AS wallet,
                             '2025-01-01T00:00:00Z'::timestamptz + (i % 40000) * interval '788 seconds' AS start
                      FROM generate_series(0, 159999) i) t
                CROSS JOIN LATERAL generate_series(0, CASE WHEN t.id % 2 = 0 THEN 2 ELSE 1 END) AS s(n);
                ANALYZE twap_status;
                """
            );
            cmd.CommandTimeout = 600;
            await cmd.ExecuteNonQueryAsync(ct);
            await using var count = source.CreateCommand($"SELECT count(*) FROM twap_status WHERE wallet = '{Wallet}'");
            report.Add("statuses of the benchmark wallet", Convert.ToDouble(await count.ExecuteScalarAsync(ct)), "rows");
        }
        LibrdkafkaLoader.EnsureLoaded();
        var options = new PipelineOptions { Instruments = PipelineConfiguration.DefaultInstruments() };
        options.Api.RateLimitPerSecond = 0; // measure the query path, not the limiter
        var context = new PipelineContext(options, new KafkaClientSettings("127.0.0.1:1"), db, NullLoggerFactory.Instance);
        await using var app = ApiApp.Build(context, "http://127.0.0.1:0");
        await app.StartAsync(ct);
        var root = app.Urls.First();
        using var http = new HttpClient();
        var year = $"{root}/twaps?wallet={Wallet}&start=2025-01-01T00:00:00Z&end=2026-01-01T00:00:00Z&limit=500";

        var health = await LatenciesAsync(http, _ => root + "/health", ct);
        report.Add("GET /health latency p99 (baseline)", health.P99, "ms");
        var random = new Random(1);
        // The first page of a one-year query (what a user or a tax tool asks first), in both modes.
        var latestFirst = await LatenciesAsync(http, _ => year, ct);
        report.Add("one-year first page (500), latest_per_twap=true, p50", latestFirst.P50, "ms");
        report.Add("one-year first page (500), latest_per_twap=true, p99", latestFirst.P99, "ms", "GET /health latency p99 (baseline)");
        var allFirst = await LatenciesAsync(http, _ => $"{year}&latest_per_twap=false", ct);
        report.Add("one-year first page (500), every status, p50", allFirst.P50, "ms");
        report.Add("one-year first page (500), every status, p99", allFirst.P99, "ms", "GET /health latency p99 (baseline)");
        // Any page: offset paging reads offset + limit rows, so deep pages cost more (40,000 TWAPs -> 80 pages of 500;
        // 100,000 statuses -> 200 pages).
        var latest = await LatenciesAsync(http, _ => $"{year}&offset={random.Next(80) * 500}", ct);
        report.Add("one-year page at a random offset, latest_per_twap=true, p50", latest.P50, "ms");
        report.Add("one-year page at a random offset, latest_per_twap=true, p99", latest.P99, "ms", "GET /health latency p99 (baseline)");
        var all = await LatenciesAsync(http, _ => $"{year}&latest_per_twap=false&offset={random.Next(200) * 500}", ct);
        report.Add("one-year page at a random offset, every status, p50", all.P50, "ms");
        report.Add("one-year page at a random offset, every status, p99", all.P99, "ms", "GET /health latency p99 (baseline)");
        // Keyset cursors: every page starts from the index at the previous page's last row, so depth costs nothing.
        var latestCursors = await CursorsAsync(http, year, ct);
        var latestByCursor = await LatenciesAsync(http, _ => $"{year}&cursor={latestCursors[random.Next(latestCursors.Count)]}", ct);
        report.Add("one-year page at a random cursor, latest_per_twap=true, p50", latestByCursor.P50, "ms");
        report.Add(
            "one-year page at a random cursor, latest_per_twap=true, p99",
            latestByCursor.P99,
            "ms",
            "GET /health latency p99 (baseline)"
        );
        var allCursors = await CursorsAsync(http, $"{year}&latest_per_twap=false", ct);
        var allByCursor = await LatenciesAsync(
            http,
            _ => $"{year}&latest_per_twap=false&cursor={allCursors[random.Next(allCursors.Count)]}",
            ct
        );
        report.Add("one-year page at a random cursor, every status, p50", allByCursor.P50, "ms");
        report.Add("one-year page at a random cursor, every status, p99", allByCursor.P99, "ms", "GET /health latency p99 (baseline)");
        await app.StopAsync(ct);
    }

    /// <summary>The next_cursor of every page of a query, walked once from the first page.</summary>
    private static async Task<List<string>> CursorsAsync(HttpClient http, string url, CancellationToken ct)
    {
        var cursors = new List<string>();
        string? cursor = null;
        do
        {
            using var doc = System.Text.Json.JsonDocument.Parse(
                await http.GetStringAsync(cursor is null ? url : $"{url}&cursor={cursor}", ct)
            );
            cursor = doc.RootElement.GetProperty("metadata").GetProperty("next_cursor").GetString();
            if (cursor is not null)
                cursors.Add(cursor);
        } while (cursor is not null);
        return cursors;
    }

    private static async Task<(double P50, double P99)> LatenciesAsync(HttpClient http, Func<int, string> url, CancellationToken ct)
    {
        for (var i = 0; i < 30; i++)
            await http.GetStringAsync(url(i), ct); // warm-up: JIT, pools, plans
        var latencies = new double[Requests];
        for (var i = 0; i < Requests; i++)
        {
            var watch = Stopwatch.StartNew();
            using var r = await http.GetAsync(url(i), HttpCompletionOption.ResponseContentRead, ct);
            r.EnsureSuccessStatusCode();
            latencies[i] = watch.Elapsed.TotalMilliseconds;
        }
        Array.Sort(latencies);
        return (latencies[Requests / 2], latencies[(int)(Requests * 0.99)]);
    }
}
