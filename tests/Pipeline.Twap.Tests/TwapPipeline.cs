// A real TWAP pipeline for one test: an embedded Kafka, a fresh PostgreSQL database, a bucket on the run's radosgw
// (optionally behind a proxy that can be cut), and the twap.statuses sink running in-process.
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Logging;
using Npgsql;
using Pipeline.Plumbing.Configuration;
using Pipeline.Plumbing.ObjectStorage;
using Pipeline.Producers.Twap;
using Pipeline.Sinks.Twap;
using Pipeline.Testing;

namespace Pipeline.Twap.Tests;

public sealed class TwapPipeline : IAsyncDisposable
{
    public const string Prefix = "raw/twap_statuses/";
    public const int Partitions = 3;
    public static ILoggerFactory Loggers { get; } =
        LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning));

    private readonly CancellationTokenSource _stop = new();
    private Task? _sinkRun;

    private TwapPipeline(TestKafka kafka, string db, TestS3 s3, S3Options options, TcpProxy? proxy)
    {
        Kafka = kafka;
        Database = db;
        S3 = s3;
        S3Options = options;
        Proxy = proxy;
        var clientOptions = options;
        if (proxy is not null)
            clientOptions = new S3Options
            {
                Endpoint = $"http://127.0.0.1:{proxy.Port}",
                Bucket = options.Bucket,
                AccessKey = options.AccessKey,
                SecretKey = options.SecretKey,
                ForcePathStyle = true,
            };
        Client = S3ClientFactory.Create(clientOptions, TimeSpan.FromSeconds(5));
        if (Client.Config is ClientConfig c)
            c.MaxErrorRetry = 0;
        Admin = S3ClientFactory.Create(options);
    }

    public TestKafka Kafka { get; }
    public string Database { get; }
    public TestS3 S3 { get; }
    public S3Options S3Options { get; }
    public string Bucket => S3Options.Bucket!;

    /// <summary>The client the ETL uses (through the proxy when there is one).</summary>
    public IAmazonS3 Client { get; }

    /// <summary>A direct client for the test's own puts and deletes.</summary>
    public IAmazonS3 Admin { get; }
    public TcpProxy? Proxy { get; }
    public TwapStatusSink? Sink { get; private set; }

    public static async Task<TwapPipeline> StartAsync(bool s3ViaProxy = false, bool startSink = true)
    {
        var kafka = await TestKafka.StartAsync(Partitions);
        var db = await TestPostgres.CreateDatabaseAsync();
        var s3 = await TestS3.SharedAsync();
        var options = await s3.CreateBucketAsync(Prefix);
        var proxy = s3ViaProxy ? new TcpProxy("127.0.0.1", s3.Port) : null;
        var pipeline = new TwapPipeline(kafka, db, s3, options, proxy);
        if (startSink)
            pipeline.StartSink();
        return pipeline;
    }

    public void StartSink()
    {
        Sink = new TwapStatusSink(Kafka.Settings, Database, Loggers) { BatchRows = 700 };
        _sinkRun = Sink.RunAsync(_stop.Token);
    }

    public async Task PutAsync(string key, byte[] bytes) =>
        await Admin.PutObjectAsync(
            new PutObjectRequest
            {
                BucketName = Bucket,
                Key = key,
                InputStream = new MemoryStream(bytes),
            }
        );

    public async Task<TwapIngestResult> IngestAsync(TwapIngestRequest? request = null, IProgress<TwapIngestProgress>? progress = null)
    {
        var log = Loggers.CreateLogger("twap-ingest");
        await using var db = NpgsqlDataSource.Create(Database);
        using var publisher = new TwapPublisher(Kafka.Settings, log);
        var store = new TwapObjectStore(Client, Bucket, Prefix, requesterPays: true, log) { FirstDelay = TimeSpan.FromMilliseconds(20) };
        var result = await new TwapIngestJob(store, new TwapIngestLog(db), publisher, log).RunAsync(
            request ?? new TwapIngestRequest(),
            progress,
            CancellationToken.None
        );
        return result;
    }

    /// <summary>Waits until the sink's stored positions (sink_positions, the sink's own record of what it wrote) reach the
    /// last committed record of every partition of twap.statuses, as a read_committed reader sees the topic now.</summary>
    public async Task CaughtUpAsync()
    {
        var ends = await Task.Run(LastRecordEnds);
        await Eventually.TrueAsync(
            async () =>
            {
                var stored = (
                    await QueryAsync(
                        "SELECT partition, next_offset FROM sink_positions WHERE consumer = $1",
                        r => (r.GetInt32(0), r.GetInt64(1)),
                        TwapStatusSink.DefaultConsumerName
                    )
                ).ToDictionary(p => p.Item1, p => p.Item2);
                return ends.All(e => stored.TryGetValue(e.Key, out var next) && next >= e.Value);
            },
            TimeSpan.FromSeconds(60),
            $"the TWAP sink to store positions up to {string.Join(", ", ends.Select(e => $"[{e.Key}]@{e.Value}"))}"
        );
    }

    /// <summary>Per partition with records: the offset after its last committed record (control records not counted).</summary>
    private Dictionary<int, long> LastRecordEnds() =>
        TopicReader
            .ReadAll(Kafka.Settings, Pipeline.Plumbing.Topics.TopicCatalog.TwapStatuses.Name)
            .GroupBy(r => r.Partition.Value)
            .ToDictionary(g => g.Key, g => g.Max(r => r.Offset.Value) + 1);

    public async Task<List<T>> QueryAsync<T>(string sql, Func<NpgsqlDataReader, T> read, params object[] args)
    {
        await using var conn = new NpgsqlConnection(Database);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        foreach (var a in args)
            cmd.Parameters.Add(new NpgsqlParameter { Value = a });
        await using var r = await cmd.ExecuteReaderAsync();
        var list = new List<T>();
        while (await r.ReadAsync())
            list.Add(read(r));
        return list;
    }

    /// <summary>Every stored row as (twap id, wallet, time µs, status, executed size, executed notional).</summary>
    public Task<List<(long, string, long, string, decimal, decimal)>> RowsAsync() =>
        QueryAsync(
            "SELECT twap_id, wallet, time, status, executed_size, executed_notional FROM twap_status ORDER BY twap_id, wallet, time",
            r =>
                (
                    r.GetInt64(0),
                    r.GetString(1),
                    (r.GetDateTime(2) - DateTime.UnixEpoch).Ticks / 10,
                    r.GetString(3),
                    r.GetDecimal(4),
                    r.GetDecimal(5)
                )
        );

    public async Task<Dictionary<string, (string State, string? Error, long? Rows)>> IngestLogAsync() =>
        (
            await QueryAsync(
                "SELECT object_key, state, error, rows FROM twap_ingest_log",
                r => (r.GetString(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), r.IsDBNull(3) ? (long?)null : r.GetInt64(3))
            )
        ).ToDictionary(x => x.Item1, x => (x.Item2, x.Item3, x.Item4));

    public static List<(long, string, long, string, decimal, decimal)> Expected(IEnumerable<TwapStatusRow> rows) =>
        rows.Select(r =>
                (
                    r.TwapId,
                    r.Wallet,
                    r.TimeUs,
                    r.Status,
                    decimal.Parse(r.ExecutedSz, System.Globalization.CultureInfo.InvariantCulture),
                    decimal.Parse(r.ExecutedNtl, System.Globalization.CultureInfo.InvariantCulture)
                )
            )
            .OrderBy(x => x.TwapId)
            .ThenBy(x => x.Wallet, StringComparer.Ordinal)
            .ThenBy(x => x.TimeUs)
            .ToList();

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_sinkRun is not null)
        {
            try
            {
                await _sinkRun;
            }
            catch (OperationCanceledException) { }
        }
        Client.Dispose();
        Admin.Dispose();
        if (Proxy is not null)
            await Proxy.DisposeAsync();
        await Kafka.DisposeAsync();
    }
}
