// A replay from request to served rows (issue 13, ADR 0006): POST /replays → replay.requests → the replay worker runs
// the engine and the version sink → data_versions says complete → ?version= serves the candles, which equal candles
// computed here straight from the input trades; and `replay --into` returns only once the rows are in PostgreSQL.
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using Google.Protobuf;
using Npgsql;
using Pipeline.Api;
using Pipeline.Cli.Replay;
using Pipeline.Plumbing.Configuration;
using Pipeline.Plumbing.Database;
using Pipeline.Plumbing.Kafka;
using Pipeline.Plumbing.Serialization;
using Pipeline.Plumbing.Topics;
using Pipeline.Processors.Replay;
using Pipeline.Schemas;
using Pipeline.Schemas.V1;
using Pipeline.Testing;

namespace Pipeline.EndToEnd.Tests;

public sealed class ReplayVersionEndToEndTests
{
    private static readonly InstrumentRef Btc = InstrumentRef.Create("binance", "BTC", "USDT", MarketType.Spot);
    private static readonly DateTimeOffset From = new(2025, 3, 14, 9, 0, 0, TimeSpan.Zero);
    private const int Minutes = 6;

    /// <summary>Trades over six minutes, a few per minute at prices from a fixed seed.</summary>
    private static List<Trade> Trades()
    {
        var rng = new Random(13);
        var trades = new List<Trade>();
        for (var i = 0; i < Minutes * 12; i++)
        {
            var t = From.AddSeconds(i * 5 + rng.Next(0, 4)).ToUnixTimeMilliseconds() * 1000;
            trades.Add(
                new Trade
                {
                    Instrument = Btc,
                    TradeId = 5000 + i,
                    VenueSymbol = "BTCUSDT",
                    Origin = Origin.Live,
                    Price = Schemas.V1.Decimal.From(80_000m + rng.Next(-5000, 5000) / 100m),
                    Size = Schemas.V1.Decimal.From(rng.Next(1, 2000) / 1000m),
                    Aggressor = rng.Next(2) == 0 ? AggressorSide.Buy : AggressorSide.Sell,
                    EventTimeUs = t,
                    ReceiveTimeUs = t + 500,
                }
            );
        }
        return trades;
    }

    /// <summary>The oracle: 1m OHLCV straight from the trades (time order), no pipeline code involved.</summary>
    private static Dictionary<string, (string Open, string High, string Low, string Close, string Volume, long Count)> Expected(
        List<Trade> trades
    ) =>
        trades
            .OrderBy(t => t.EventTimeUs)
            .GroupBy(t => t.EventTimeUs / 60_000_000 * 60_000_000)
            .ToDictionary(
                g =>
                    DateTimeOffset
                        .FromUnixTimeMilliseconds(g.Key / 1000)
                        .UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture),
                g =>
                    (
                        Text(g.First().Price),
                        Text(g.Max(t => t.Price.ToDecimal())),
                        Text(g.Min(t => t.Price.ToDecimal())),
                        Text(g.Last().Price),
                        Text(g.Sum(t => t.Size.ToDecimal())),
                        (long)g.Count()
                    )
            );

    [Fact]
    public async Task A_replay_requested_over_http_is_run_by_the_worker_and_its_candles_are_served_by_version()
    {
        await using var pipeline = await TestPipeline.StartAsync(
            partitions: 2,
            new Dictionary<string, string?> { ["PIPELINE__API__APIKEYS__0"] = "k" }
        );
        var (kafka, options, context) = (pipeline.Kafka, pipeline.Options, pipeline.Context);
        var trades = Trades();
        await ProduceAsync(kafka.Settings, trades);

        await using var api = ApiApp.Build(context);
        await api.StartAsync();
        using var stop = new CancellationTokenSource();
        var worker = ReplayWorker.RunAsync(context, stop.Token);
        using var http = new HttpClient { BaseAddress = new Uri(options.Api.Urls) };
        using var post = new HttpRequestMessage(HttpMethod.Post, "/replays")
        {
            Content = JsonContent.Create(
                new
                {
                    version = "v2",
                    from = Iso(From),
                    to = Iso(From.AddMinutes(Minutes)),
                    instruments = new[] { Btc.Key },
                    intervals = new[] { "1m" },
                }
            ),
            Headers = { { "X-API-Key", "k" } },
        };
        using (var accepted = await http.SendAsync(post))
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);

        var status = await Eventually.GetAsync(
            async () => await http.GetFromJsonAsync<JsonElement>("/replays/v2"),
            s => s.GetProperty("state").GetString() is "complete" or "failed",
            TimeSpan.FromSeconds(120),
            "replay v2 to end"
        );
        Assert.True(status.GetProperty("state").GetString() == "complete", status.ToString());
        Assert.Equal(trades.Count, status.GetProperty("progress").GetProperty("records_done").GetInt64());
        Assert.Equal(1.0, status.GetProperty("progress").GetProperty("fraction").GetDouble());

        var page = await http.GetFromJsonAsync<JsonElement>(
            $"/candles/binance/BTC/USDT/spot/1m?start={Iso(From)}&end={Iso(From.AddMinutes(Minutes))}&version=v2"
        );
        var served = page.GetProperty("data")
            .EnumerateArray()
            .ToDictionary(
                c => c.GetProperty("time").GetString()!,
                c =>
                    (
                        c.GetProperty("open").GetString()!,
                        c.GetProperty("high").GetString()!,
                        c.GetProperty("low").GetString()!,
                        c.GetProperty("close").GetString()!,
                        c.GetProperty("volume").GetString()!,
                        c.GetProperty("trade_count").GetInt64()
                    )
            );
        Assert.Equal(Expected(trades).OrderBy(e => e.Key), served.OrderBy(e => e.Key));
        Assert.All(page.GetProperty("data").EnumerateArray(), c => Assert.True(c.GetProperty("closed").GetBoolean()));
        // The live version has no rows: nothing of the replay leaked into it, and it is still what the API serves by default.
        var live = await http.GetFromJsonAsync<JsonElement>(
            $"/candles/binance/BTC/USDT/spot/1m?start={Iso(From)}&end={Iso(From.AddMinutes(Minutes))}"
        );
        Assert.Equal(
            ("live", 0),
            (live.GetProperty("metadata").GetProperty("version").GetString(), live.GetProperty("data").GetArrayLength())
        );

        await stop.CancelAsync();
        await worker;
        await api.StopAsync();
    }

    [Fact]
    public async Task A_replay_into_a_version_returns_only_when_every_output_record_is_a_row()
    {
        await using var pipeline = await TestPipeline.StartAsync(partitions: 2);
        var (kafka, db, options, loggers) = (pipeline.Kafka, pipeline.Database, pipeline.Options, pipeline.Context.LoggerFactory);
        await ProduceAsync(kafka.Settings, Trades());
        var v3 = DataVersion.Parse("v3");
        var request = new ReplayRequest
        {
            Version = v3,
            FromUs = From.ToUnixTimeMilliseconds() * 1000,
            ToUs = From.AddMinutes(Minutes).ToUnixTimeMilliseconds() * 1000,
            Instruments = [Btc.Key],
            Processing = new ProcessingOptions { AllowedLatenessMs = options.Processing.AllowedLatenessMs, Indicators = ["rsi(3)"] },
        };
        var job = await ReplayJob.PlanAsync(
            kafka.Settings,
            request,
            options.Instruments.Select(i => i.ToInstrumentRef().Key).ToList(),
            loggers
        );

        var result = await VersionedReplay.RunAsync(kafka.Settings, db, job, null, loggers, CancellationToken.None);

        Assert.True(result.Complete);
        // Read at once, no waiting: every record of the version's topics (decoded here) is a row of version v3.
        var topics = new VersionTopics(v3);
        var candles = ReadAll(kafka.Settings, topics.FinalCandles.Name)
            .Select(Candle.Parser.ParseFrom)
            .GroupBy(c => (c.Interval, c.OpenTimeUs))
            .Select(g => g.MaxBy(c => c.Revision)!)
            .ToList();
        var indicators = ReadAll(kafka.Settings, topics.Indicators.Name)
            .Select(IndicatorValue.Parser.ParseFrom)
            .Select(i => (i.Interval, i.OpenTimeUs, i.Indicator))
            .Distinct()
            .Count();
        Assert.NotEmpty(candles);
        await using var ds2 = NpgsqlDataSource.Create(db);
        await using (var cmd = ds2.CreateCommand("SELECT interval, time, close::text FROM candles WHERE version = 'v3'"))
        await using (var r = await cmd.ExecuteReaderAsync())
        {
            var rows = new Dictionary<(string, long), string>();
            while (await r.ReadAsync())
                rows[(r.GetString(0), UnixMicros.FromDateTime(r.GetDateTime(1)).Value)] = r.GetString(2);
            Assert.Equal(
                candles.ToDictionary(c => (c.Interval, c.OpenTimeUs), c => Text(c.Close)).OrderBy(e => e.Key),
                rows.OrderBy(e => e.Key)
            );
        }
        await using (var cmd = ds2.CreateCommand("SELECT count(*) FROM indicators WHERE version = 'v3'"))
            Assert.Equal((long)indicators, (long)(await cmd.ExecuteScalarAsync())!);
        var version = await new DataVersionStore(ds2).FindAsync("v3");
        Assert.Equal(("complete", job.Plan.Total), (version!.State, version.RecordsTotal!.Value));
        Assert.Contains("rsi(3)", version.ConfigurationJson);
    }

    private static async Task ProduceAsync(KafkaClientSettings kafka, IEnumerable<Trade> trades)
    {
        using var producer = new ProducerBuilder<byte[], byte[]>(kafka.Producer("replay-e2e")).Build();
        foreach (var t in trades)
            producer.Produce(
                TopicCatalog.ValidTrades.Name,
                new Message<byte[], byte[]>
                {
                    Key = Encoding.UTF8.GetBytes(t.Instrument.Key),
                    Value = t.ToByteArray(),
                    Headers = MessageHeaders.For<Trade>(),
                }
            );
        producer.Flush(TimeSpan.FromSeconds(30));
        await Task.CompletedTask;
    }

    private static List<byte[]> ReadAll(KafkaClientSettings kafka, string topic) =>
        TopicReader.ReadAll(kafka, topic).Select(r => r.Message.Value!).ToList();

    private static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string Text(Schemas.V1.Decimal d) => Text(d.ToDecimal());

    private static string Text(decimal d) => d.ToString(CultureInfo.InvariantCulture);
}
