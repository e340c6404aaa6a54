// One ingested TWAP history shared by the API tests: objects on radosgw ingested through Kafka and the sink, the API
// on a free port, and DuckDB over the same Parquet files as the independent oracle.
using DuckDB.NET.Data;
using Pipeline.Api;
using Pipeline.Plumbing;
using Pipeline.Plumbing.Configuration;

namespace Pipeline.Twap.Tests;

public sealed class TwapApiFixture : IAsyncLifetime
{
    public const int Hours = 8;
    private TwapPipeline? _pipeline;
    private Microsoft.AspNetCore.Builder.WebApplication? _app;

    public HttpClient Http { get; private set; } = null!;
    public DuckDBConnection Oracle { get; } = new("Data Source=:memory:");
    public List<TwapStatusRow> Rows { get; private set; } = [];

    public async Task InitializeAsync()
    {
        _pipeline = await TwapPipeline.StartAsync();
        var hours = TwapDataset.Hours(Hours, twaps: 2500, seed: 11);
        Rows = hours.SelectMany(h => h).ToList();
        var dir = Testing.TestDirectories.Create("twap-oracle");
        var selects = new List<string>();
        for (var h = 0; h < Hours; h++)
        {
            var unit = h % 2 == 0 ? TwapTimeColumn.TimestampNanos : TwapTimeColumn.Int64Nanos;
            var bytes = await TwapParquetFile.WriteAsync(hours[h], unit);
            await _pipeline.PutAsync(TwapDataset.Key(h), bytes);
            var file = Path.Combine(dir, $"{h:D2}.parquet");
            await File.WriteAllBytesAsync(file, bytes);
            // What the file says, in the units it was written in (not the pipeline's unit detection).
            var timeUs = unit == TwapTimeColumn.TimestampNanos ? "epoch_us(time)" : "time // 1000";
            selects.Add(
                $"SELECT twap_id, lower(\"user\") AS wallet, {timeUs} AS time_us, status, coin, side, sz, executed_sz, executed_ntl, "
                    + "minutes "
                    + $"FROM read_parquet('{file}')"
            );
        }
        await _pipeline.IngestAsync();
        await _pipeline.CaughtUpAsync();

        Oracle.Open();
        using (var cmd = Oracle.CreateCommand())
        {
            cmd.CommandText = "CREATE TABLE statuses AS " + string.Join(" UNION ALL ", selects);
            cmd.ExecuteNonQuery();
        }
        var options = new PipelineOptions { Instruments = PipelineConfiguration.DefaultInstruments() };
        // These tests page through every wallet at full speed: on a quiet machine that passed the 100 requests/s per-client
        // limit and answered 429 (failed in a fresh-clone CI run). The limiter has its own tests in Pipeline.Api.Tests.
        options.Api.RateLimitPerSecond = 0;
        var context = new PipelineContext(options, _pipeline.Kafka.Settings, _pipeline.Database, TwapPipeline.Loggers);
        _app = ApiApp.Build(context, "http://127.0.0.1:0");
        await _app.StartAsync();
        Http = new HttpClient { BaseAddress = new Uri(_app.Urls.First()) };
    }

    /// <summary>Rows of a DuckDB query over the files as (twap id, time µs, status, coin, side B/A, sz, executed sz, executed ntl,
    /// minutes).</summary>
    public List<(long, long, string, string, string, decimal, decimal, decimal, int)> Query(string sql, params object[] args)
    {
        using var cmd = Oracle.CreateCommand();
        cmd.CommandText = sql;
        foreach (var a in args)
            cmd.Parameters.Add(new DuckDBParameter(a));
        using var r = cmd.ExecuteReader();
        var list = new List<(long, long, string, string, string, decimal, decimal, decimal, int)>();
        while (r.Read())
        {
            list.Add(
                (
                    r.GetInt64(0),
                    r.GetInt64(1),
                    r.GetString(2),
                    r.GetString(3),
                    r.GetString(4),
                    Dec(r.GetString(5)),
                    Dec(r.GetString(6)),
                    Dec(r.GetString(7)),
                    r.GetInt32(8)
                )
            );
        }
        return list;
    }

    private static decimal Dec(string s) => decimal.Parse(s, System.Globalization.CultureInfo.InvariantCulture);

    public async Task DisposeAsync()
    {
        Http.Dispose();
        if (_app is not null)
            await _app.DisposeAsync();
        Oracle.Dispose();
        if (_pipeline is not null)
            await _pipeline.DisposeAsync();
    }
}
