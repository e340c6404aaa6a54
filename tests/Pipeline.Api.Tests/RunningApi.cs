// The API hosted on a free port against a test database (and optionally a test Kafka), with a seeded instrument set.
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Npgsql;
using Pipeline.Plumbing;
using Pipeline.Plumbing.Configuration;
using Pipeline.Plumbing.Database;
using Pipeline.Plumbing.Kafka;
using Pipeline.Testing;

namespace Pipeline.Api.Tests;

public sealed class RunningApi : IAsyncDisposable
{
    private readonly WebApplication _app;

    private RunningApi(WebApplication app, string db, TcpProxy? proxy)
    {
        _app = app;
        Database = db;
        DatabaseProxy = proxy;
        Http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
    }

    public HttpClient Http { get; }

    /// <summary>The app's services (e.g. to read the recent-candle store's counters).</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>The route patterns the app maps (for checking the OpenAPI document against them).</summary>
    public IEnumerable<string> Routes =>
        ((IEndpointRouteBuilder)_app)
            .DataSources.SelectMany(d => d.Endpoints)
            .OfType<Microsoft.AspNetCore.Routing.RouteEndpoint>()
            .Select(e => "/" + e.RoutePattern.RawText!.TrimStart('/'))
            .Distinct();

    /// <summary>The route patterns of the endpoints that are meant to be in the OpenAPI document (not the document's own).</summary>
    public IEnumerable<string> DescribedRoutes =>
        ((IEndpointRouteBuilder)_app)
            .DataSources.SelectMany(d => d.Endpoints)
            .OfType<Microsoft.AspNetCore.Routing.RouteEndpoint>()
            .Where(e =>
                e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.IExcludeFromDescriptionMetadata>()
                    is not { ExcludeFromDescription: true }
            )
            .Select(e => "/" + e.RoutePattern.RawText!.TrimStart('/'))
            .Distinct();
    public string Database { get; }

    /// <summary>When started with databaseViaProxy: the link between the API and PostgreSQL, to cut.</summary>
    public TcpProxy? DatabaseProxy { get; }

    public static ILoggerFactory Loggers { get; } =
        LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning));

    /// <summary>Starts the API; without <paramref name="kafka"/> it points at a port where no broker listens. Without
    /// <paramref name="database"/> it gets a new database. The recent-candle store is off unless
    /// <paramref name="configure"/> sets Api:CandleStoreDepth: most tests write candles straight into PostgreSQL, which
    /// only the sink does in production (the store follows the candles topic).</summary>
    public static async Task<RunningApi> StartAsync(
        KafkaClientSettings? kafka = null,
        TimeProvider? clock = null,
        Action<PipelineOptions>? configure = null,
        bool databaseViaProxy = false,
        string? database = null
    )
    {
        var db = database ?? await TestPostgres.CreateDatabaseAsync();
        var options = new PipelineOptions { Instruments = PipelineConfiguration.DefaultInstruments() };
        options.Api.CandleStoreDepth = 0;
        // Tests that read in loops (VersionServingTests' readers racing a promote) passed 100 requests/s per client on a
        // quiet machine and got 429 (failed in the final fresh-clone CI of session 4). The limiter has its own tests
        // (ApiAccessTests, StreamLimitsTests), which turn it on through configure.
        options.Api.RateLimitPerSecond = 0;
        configure?.Invoke(options);
        await using (var source = NpgsqlDataSource.Create(db))
            await InstrumentRegistry.SyncAsync(source, options.Instruments);
        TcpProxy? proxy = null;
        var apiDb = db;
        if (databaseViaProxy)
        {
            var b = new NpgsqlConnectionStringBuilder(db);
            proxy = new TcpProxy(b.Host!, b.Port);
            apiDb = new NpgsqlConnectionStringBuilder(db) { Port = proxy.Port, Timeout = 2 }.ConnectionString;
        }
        var context = new PipelineContext(options, kafka ?? new KafkaClientSettings("127.0.0.1:1"), apiDb, Loggers);
        var app = ApiApp.Build(context, "http://127.0.0.1:0", clock);
        await app.StartAsync();
        return new RunningApi(app, db, proxy);
    }

    public async Task ExecuteAsync(string sql, params object[] args)
    {
        await using var conn = new NpgsqlConnection(Database);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        foreach (var a in args)
            cmd.Parameters.Add(new NpgsqlParameter { Value = a });
        await cmd.ExecuteNonQueryAsync();
    }

    /// <summary>Inserts a 1m (or other) candle of the instrument binance:BTC/USDT:spot directly, as the sink would.</summary>
    public Task InsertCandleAsync(
        string time,
        string o,
        string h,
        string l,
        string c,
        string v,
        string interval = "1m",
        bool closed = true,
        string exchange = "binance",
        string quote = "USDT"
    )
    {
        var t = DateTime.Parse(time, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
        return ExecuteAsync(
                """
                SELECT pipeline_ensure_day_partitions('candles', $1, $1);
                """,
                t
            )
            .ContinueWith(_ =>
                ExecuteAsync(
                    """
                    INSERT INTO candles (time, instrument_id, interval, source, open, high, low, close, volume, quote_volume,
                        trade_count, closed, revision)
                    SELECT $1, id, $2, 1, $3::numeric, $4::numeric, $5::numeric, $6::numeric, $7::numeric, $7::numeric * $6::numeric,
                        7, $8, 0
                    FROM instruments WHERE exchange = $9 AND base = 'BTC' AND quote = $10 AND market = 'spot'
                    """,
                    t,
                    interval,
                    o,
                    h,
                    l,
                    c,
                    v,
                    closed,
                    exchange,
                    quote
                )
            )
            .Unwrap();
    }

    public async Task<JsonElement> GetJsonAsync(string path)
    {
        using var response = await Http.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path} → {(int)response.StatusCode}: {body}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        if (DatabaseProxy is not null)
            await DatabaseProxy.DisposeAsync();
    }
}
