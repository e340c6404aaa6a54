// The archive's round trip (issue 13): trades → live processor → Parquet archive on radosgw → `pipeline replay --from-archive`
// into a new version → its final candles and indicators equal the live ones, and (for the minute the capture holds whole)
// Binance's own kline. Input: real Binance USDⓈ-M aggTrades (Processors.Tests' exchange capture, 4 symbols, ~30 s) and an
// hour and a half of seeded BTC/USDT trades so the indicators have candles to work on.
using System.Globalization;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Pipeline.Embedded;
using Pipeline.Plumbing;
using Pipeline.Plumbing.Configuration;
using Pipeline.Plumbing.Database;
using Pipeline.Plumbing.Kafka;
using Pipeline.Plumbing.Serialization;
using Pipeline.Plumbing.Topics;
using Pipeline.Processors;
using Pipeline.Schemas;
using Pipeline.Schemas.V1;
using Pipeline.Testing;

namespace Pipeline.Archive.Tests;

public sealed class ArchiveRoundTripTests
{
    private const int Partitions = 2;
    private static readonly string Capture = Path.Combine(
        AppContext.BaseDirectory,
        "Fixtures",
        "exchange-captures",
        "BINANCE_FUTURES.ws.1.0.kline-aggtrade"
    );
    private static readonly InstrumentRef Btc = InstrumentRef.Create("binance", "BTC", "USDT", MarketType.Spot);
    private static readonly string[] Perps = ["CTK", "AKRO", "SUSHI", "KEEP"];

    /// <summary>[21:00, 22:27) UTC on the capture's day (2021-07-22; the capture runs 22:25:41 to 22:26:10).</summary>
    private static readonly long From = Us("2021-07-22T21:00:00Z");
    private static readonly long To = Us("2021-07-22T22:27:00Z");

    [Fact]
    public async Task Replay_from_the_archive_into_a_new_version_equals_the_live_candles_and_indicators()
    {
        await using var kafka = await TestKafka.StartAsync(Partitions);
        var s3 = await (await TestS3.SharedAsync()).CreateBucketAsync("roundtrip");
        var db = await TestPostgres.CreateDatabaseAsync();
        var env = Environment(kafka, s3, db);
        var options = PipelineConfiguration.Load(file: null, environment: env);
        await using (var ds = NpgsqlDataSource.Create(db))
            await InstrumentRegistry.SyncAsync(ds, options.Instruments);
        var (trades, klines) = Input();
        Assert.Equal(Perps.Length + 1, trades.Select(t => t.Instrument.Key).Distinct().Count());

        // Live: trades.raw, each instrument closed by an end-of-input mark through the range's end, processed exactly once.
        Produce(kafka.Settings, trades);
        await RunLiveAsync(kafka, options);
        var valid = TopicReader.ReadAll(kafka.Settings, TopicCatalog.ValidTrades.Name);
        Assert.Equal(trades.Count, valid.Count(r => MessageHeaders.TypeOf(r.Message.Headers) == Trade.Descriptor.FullName));

        // The archive role writes trades.valid to S3 (real radosgw) until every partition is covered.
        var ends = Enumerable
            .Range(0, Partitions)
            .ToDictionary(p => p, p => valid.Where(r => r.Partition.Value == p).Select(r => r.Offset.Value + 1).DefaultIfEmpty(0).Max());
        await using (RunningArchive.Start(kafka.Settings, s3))
            await Eventually.TrueAsync(
                () => ArchiveProgress.CoversAsync(s3, ArchiveDataset.All[0], ends),
                TimeSpan.FromSeconds(90),
                "trades archived"
            );

        string[] replay =
        [
            "replay",
            "--from-archive",
            $"s3://{s3.Bucket}/{s3.Prefix}",
            "--from",
            "2021-07-22T21:00:00Z",
            "--to",
            "2021-07-22T22:27:00Z",
            "--into",
            "arch",
        ];
        var run = ChildProcess.Start("pipeline.dll", replay, env, Path.Combine(TestDirectories.Create("roundtrip"), "replay.log"));
        await run.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(180)).Token);
        Assert.True(run.ExitCode == 0, string.Join("\n", run.Output));
        Assert.Contains(run.Output, l => l.Contains("replay arch complete"));

        var version = new VersionTopics(DataVersion.Parse("arch"));
        var liveCandles = FinalCandles(kafka.Settings, TopicCatalog.FinalCandles.Name);
        var replayCandles = FinalCandles(kafka.Settings, version.FinalCandles.Name);
        Assert.True(liveCandles.Count > 100, $"only {liveCandles.Count} live candles to compare");
        Assert.Equal(liveCandles.Keys.Order(), replayCandles.Keys.Order());
        foreach (var (key, live) in liveCandles)
            Assert.True(live == replayCandles[key], $"{key}: live {live}, replayed from the archive {replayCandles[key]}");

        var liveIndicators = Indicators(kafka.Settings, TopicCatalog.Indicators.Name);
        var replayIndicators = Indicators(kafka.Settings, version.Indicators.Name);
        Assert.True(
            liveIndicators.Values.Count(v => v.Contains('=') && !v.EndsWith("=null", StringComparison.Ordinal)) > 50,
            "too few indicator values to compare"
        );
        Assert.Equal(liveIndicators.OrderBy(e => e.Key), replayIndicators.OrderBy(e => e.Key));
        Assert.Empty(TopicReader.ReadAll(kafka.Settings, version.DeadLetters.Name));

        // Binance's own kline for the minute the capture holds from its first trade: our candle equals it, after the round trip.
        foreach (var k in klines)
        {
            var c = replayCandles[(k.Key, "1m", k.OpenUs)];
            Assert.Equal(
                (k.O, k.H, k.L, k.C, k.V, k.Q, k.TakerV, k.TakerQ),
                (c.Open, c.High, c.Low, c.Close, c.Volume, c.QuoteVolume, c.TakerVolume, c.TakerQuote)
            );
        }
        Assert.Single(klines);

        // The version's rows are in PostgreSQL: as many final candles, the same sums of prices and volumes as live.
        await using var data = NpgsqlDataSource.Create(db);
        await using var sums = data.CreateCommand(
            "SELECT count(*), sum(close), sum(volume), sum(quote_volume) FROM candles WHERE version = 'arch'"
        );
        await using var r = await sums.ExecuteReaderAsync();
        Assert.True(await r.ReadAsync());
        Assert.Equal((long)liveCandles.Count, r.GetInt64(0));
        Assert.Equal(liveCandles.Values.Sum(c => c.Close), r.GetDecimal(1));
        Assert.Equal(liveCandles.Values.Sum(c => c.Volume), r.GetDecimal(2));
        Assert.Equal(liveCandles.Values.Sum(c => c.QuoteVolume), r.GetDecimal(3));
        var row = await new DataVersionStore(data).FindAsync("arch");
        Assert.Equal(DataVersionRow.Complete, row!.State);

        // The same command again: the version exists, one line, non-zero exit, nothing written.
        var republished = TopicReader.ReadAll(kafka.Settings, version.Input.Name).Count;
        var again = ChildProcess.Start("pipeline.dll", replay, env);
        await again.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);
        Assert.Equal(2, again.ExitCode);
        Assert.Contains(again.Output, l => l.StartsWith("error: version arch exists", StringComparison.Ordinal));
        Assert.DoesNotContain(again.Output, l => l.Contains("   at ", StringComparison.Ordinal));
        Assert.Equal(republished, TopicReader.ReadAll(kafka.Settings, version.Input.Name).Count);
    }

    [Fact]
    public async Task Replay_from_the_archive_with_bad_input_says_what_is_wrong_in_one_line()
    {
        await using var kafka = await TestKafka.StartAsync(1);
        var s3 = await (await TestS3.SharedAsync()).CreateBucketAsync("roundtrip-bad");
        var db = await TestPostgres.CreateDatabaseAsync();
        var env = Environment(kafka, s3, db);
        var archive = $"s3://{s3.Bucket}/{s3.Prefix}";
        await Fails(
            env,
            2,
            "error: --from-archive 'bucket/x' is not an S3 address; write s3://bucket/prefix",
            ["--from-archive", "bucket/x", .. OneDayIntoV2]
        );
        await Fails(
            env,
            2,
            "error: --from 2021-07-23T00:00:00",
            "--from-archive",
            archive,
            "--from",
            "2021-07-23",
            "--to",
            "2021-07-22",
            "--into",
            "v2"
        );
        await Fails(
            env,
            2,
            "error: --from-archive reads the archive's trades",
            "--from-archive",
            archive,
            "--from",
            "2021-07-22",
            "--to",
            "2021-07-23",
            "--into",
            "v2",
            "--revalidate"
        );
        await Fails(
            env,
            2,
            $"error: the archive s3://{s3.Bucket}/{s3.Prefix}/trades/ has no trades from 2020-01-01 to 2020-01-01",
            "--from-archive",
            archive,
            "--from",
            "2020-01-01",
            "--to",
            "2020-01-02",
            "--into",
            "v2"
        );
        var down = new Dictionary<string, string?>(env) { ["PIPELINE__S3__ENDPOINT"] = $"http://127.0.0.1:{FreePort.Next()}" };
        await Fails(down, 1, $"error: S3 at {down["PIPELINE__S3__ENDPOINT"]} is unreachable", ["--from-archive", archive, .. OneDayIntoV2]);
        var wrongKey = new Dictionary<string, string?>(env) { ["PIPELINE__S3__SECRETKEY"] = "not-the-secret" };
        await Fails(
            wrongKey,
            1,
            $"error: S3 at {s3.Endpoint} refused the request: SignatureDoesNotMatch",
            ["--from-archive", archive, .. OneDayIntoV2]
        );
    }

    private static readonly string[] OneDayIntoV2 = ["--from", "2021-07-22", "--to", "2021-07-23", "--into", "v2"];

    private static async Task Fails(Dictionary<string, string?> env, int exit, string line, params string[] args)
    {
        using var run = ChildProcess.Start("pipeline.dll", ["replay", .. args], env);
        await run.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(120)).Token);
        var output = string.Join("\n", run.Output);
        Assert.True(run.ExitCode == exit, $"exit {run.ExitCode}, not {exit}: {output}");
        Assert.True(run.Output.Count(l => l.StartsWith("error: ", StringComparison.Ordinal)) == 1, output);
        Assert.True(run.Output.Any(l => l.StartsWith(line, StringComparison.Ordinal)), $"no line starting '{line}' in: {output}");
        Assert.DoesNotContain(run.Output, l => l.Contains("   at ", StringComparison.Ordinal));
    }

    private sealed record CandleValues(
        decimal Open,
        decimal High,
        decimal Low,
        decimal Close,
        decimal Volume,
        decimal QuoteVolume,
        decimal TakerVolume,
        decimal TakerQuote,
        decimal Vwap,
        long Count,
        long FirstId,
        long LastId,
        long CloseUs
    );

    private sealed record Kline(
        string Key,
        long OpenUs,
        decimal O,
        decimal H,
        decimal L,
        decimal C,
        decimal V,
        decimal Q,
        decimal TakerV,
        decimal TakerQ
    );

    /// <summary>The last revision of every final candle, as numbers: the archive keeps DECIMAL(38,18), not the venue's
    /// scale, so a replayed 1.01 and a live 1.01000 are the same price.</summary>
    private static Dictionary<(string, string, long), CandleValues> FinalCandles(KafkaClientSettings kafka, string topic) =>
        TopicReader
            .ReadAll(kafka, topic)
            .Select(r => Candle.Parser.ParseFrom(r.Message.Value))
            .GroupBy(c => (c.Instrument.Key, c.Interval, c.OpenTimeUs))
            .Select(g => g.MaxBy(c => c.Revision)!)
            .ToDictionary(
                c => (c.Instrument.Key, c.Interval, c.OpenTimeUs),
                c => new CandleValues(
                    c.Open.ToDecimal(),
                    c.High.ToDecimal(),
                    c.Low.ToDecimal(),
                    c.Close.ToDecimal(),
                    c.Volume.ToDecimal(),
                    c.QuoteVolume.ToDecimal(),
                    c.TakerBuyVolume?.ToDecimal() ?? -1,
                    c.TakerBuyQuoteVolume?.ToDecimal() ?? -1,
                    c.Vwap?.ToDecimal() ?? -1,
                    c.TradeCount,
                    c.FirstTradeId,
                    c.LastTradeId,
                    c.CloseTimeUs
                )
            );

    /// <summary>The last value of every (instrument, interval, candle, indicator), its fields as round-trip doubles.</summary>
    private static Dictionary<string, string> Indicators(KafkaClientSettings kafka, string topic) =>
        TopicReader
            .ReadAll(kafka, topic)
            .Select(r => IndicatorValue.Parser.ParseFrom(r.Message.Value))
            .GroupBy(v => $"{v.Instrument.Key}|{v.Interval}|{v.OpenTimeUs}|{v.Indicator}")
            .ToDictionary(
                g => g.Key,
                g =>
                    string.Join(
                        " ",
                        g.Last()
                            .Fields.Select(f => $"{f.Name}={(f.HasValue ? f.Value.ToString("R", CultureInfo.InvariantCulture) : "null")}")
                    )
            );

    /// <summary>The capture's aggTrades (one trade each, id = first fill) and a seeded BTC/USDT series, and the klines of
    /// minutes the capture holds whole: from the kline's first fill to its last, with no fill of the minute missing.</summary>
    private static (List<Trade> Trades, List<Kline> Klines) Input()
    {
        var trades = new List<Trade>();
        var snapshots = new List<(Kline Kline, long FirstId, long LastId)>();
        foreach (var line in File.ReadLines(Capture))
        {
            var colon = line.IndexOf(": ", StringComparison.Ordinal);
            var receivedUs = (long)(double.Parse(line[..colon], CultureInfo.InvariantCulture) * 1_000_000);
            using var doc = JsonDocument.Parse(line[(colon + 2)..]);
            var d = doc.RootElement.GetProperty("data");
            if (d.GetProperty("e").GetString() == "aggTrade")
            {
                var symbol = d.GetProperty("s").GetString()!;
                trades.Add(
                    new Trade
                    {
                        Instrument = Perp(symbol),
                        TradeId = d.GetProperty("f").GetInt64(),
                        VenueSymbol = symbol,
                        Origin = Origin.Live,
                        Price = Schemas.V1.Decimal.From(Dec(d, "p")),
                        Size = Schemas.V1.Decimal.From(Dec(d, "q")),
                        // m = the buyer is the maker, so the taker sold.
                        Aggressor = d.GetProperty("m").GetBoolean() ? AggressorSide.Sell : AggressorSide.Buy,
                        EventTimeUs = d.GetProperty("T").GetInt64() * 1000,
                        ReceiveTimeUs = receivedUs,
                    }
                );
                continue;
            }
            var k = d.GetProperty("k");
            snapshots.Add(
                (
                    new Kline(
                        Perp(k.GetProperty("s").GetString()!).Key,
                        k.GetProperty("t").GetInt64() * 1000,
                        Dec(k, "o"),
                        Dec(k, "h"),
                        Dec(k, "l"),
                        Dec(k, "c"),
                        Dec(k, "v"),
                        Dec(k, "q"),
                        Dec(k, "V"),
                        Dec(k, "Q")
                    ),
                    k.GetProperty("f").GetInt64(),
                    k.GetProperty("L").GetInt64()
                )
            );
        }
        var lastFill = new Dictionary<string, long>();
        foreach (var line in File.ReadLines(Capture).Where(l => l.Contains("\"aggTrade\"", StringComparison.Ordinal)))
        {
            using var doc = JsonDocument.Parse(line[(line.IndexOf(": ", StringComparison.Ordinal) + 2)..]);
            var d = doc.RootElement.GetProperty("data");
            var key = $"{Perp(d.GetProperty("s").GetString()!).Key}|{d.GetProperty("T").GetInt64() / 60_000 * 60_000_000}";
            lastFill[key] = Math.Max(lastFill.GetValueOrDefault(key), d.GetProperty("l").GetInt64());
        }
        var klines = snapshots
            .Where(s =>
            {
                var minute = trades
                    .Where(t => t.Instrument.Key == s.Kline.Key && t.EventTimeUs / 60_000_000 * 60_000_000 == s.Kline.OpenUs)
                    .ToList();
                return minute.Count > 0
                    && minute.Min(t => t.TradeId) == s.FirstId
                    && lastFill[$"{s.Kline.Key}|{s.Kline.OpenUs}"] == s.LastId;
            })
            .Select(s => s.Kline)
            .ToList();

        var rng = new Random(13);
        var price = 32_000m;
        for (var i = 0; i < 2_600; i++)
        {
            price = Math.Round(price * (1 + rng.Next(-40, 41) / 100_000m), 2);
            var t = From + i * 2_000_000L + rng.Next(0, 1_000_000);
            trades.Add(
                new Trade
                {
                    Instrument = Btc,
                    TradeId = 900_000 + i,
                    VenueSymbol = "BTCUSDT",
                    Origin = Origin.Live,
                    Price = Schemas.V1.Decimal.From(price),
                    Size = Schemas.V1.Decimal.From(rng.Next(1, 50_000) / 10_000m),
                    Aggressor = rng.Next(2) == 0 ? AggressorSide.Buy : AggressorSide.Sell,
                    EventTimeUs = t,
                    ReceiveTimeUs = t + 800,
                }
            );
        }
        return (trades, klines);

        static decimal Dec(JsonElement e, string p) => decimal.Parse(e.GetProperty(p).GetString()!, CultureInfo.InvariantCulture);
    }

    private static InstrumentRef Perp(string symbol) => InstrumentRef.Create("binance", symbol[..^4], "USDT", MarketType.Perp);

    private static Dictionary<string, string?> Environment(TestKafka kafka, S3Options s3, string db)
    {
        var env = new Dictionary<string, string?>
        {
            ["PIPELINE__KAFKA__BOOTSTRAP"] = kafka.BootstrapServers,
            ["PIPELINE__KAFKA__PARTITIONS"] = $"{Partitions}",
            ["PIPELINE__S3__ENDPOINT"] = s3.Endpoint,
            ["PIPELINE__S3__ACCESSKEY"] = s3.AccessKey,
            ["PIPELINE__S3__SECRETKEY"] = s3.SecretKey,
            ["PIPELINE__DATABASE__URL"] = db,
            ["PIPELINE__SIMULATOR__ENABLED"] = "false",
            ["PIPELINE__PROCESSING__INDICATORS__0"] = "rsi(14)",
            ["PIPELINE__PROCESSING__INDICATORS__1"] = "sma(5)",
            ["PIPELINE__PROCESSING__INDICATORS__2"] = "macd(12,26,9)",
            ["PIPELINE__INSTRUMENTS__0__EXCHANGE"] = "binance",
            ["PIPELINE__INSTRUMENTS__0__BASE"] = "BTC",
            ["PIPELINE__INSTRUMENTS__0__QUOTE"] = "USDT",
            ["PIPELINE__INSTRUMENTS__0__SYMBOL"] = "BTCUSDT",
        };
        for (var i = 0; i < Perps.Length; i++)
        {
            env[$"PIPELINE__INSTRUMENTS__{i + 1}__EXCHANGE"] = "binance";
            env[$"PIPELINE__INSTRUMENTS__{i + 1}__BASE"] = Perps[i];
            env[$"PIPELINE__INSTRUMENTS__{i + 1}__QUOTE"] = "USDT";
            env[$"PIPELINE__INSTRUMENTS__{i + 1}__MARKET"] = "perp";
            env[$"PIPELINE__INSTRUMENTS__{i + 1}__SYMBOL"] = Perps[i] + "USDT";
        }
        return env;
    }

    private static void Produce(KafkaClientSettings kafka, List<Trade> trades)
    {
        using var producer = new ProducerBuilder<byte[], byte[]>(kafka.Producer("roundtrip-input")).Build();
        foreach (var t in trades.OrderBy(t => t.ReceiveTimeUs))
            producer.Produce(
                TopicCatalog.RawTrades.Name,
                new Message<byte[], byte[]>
                {
                    Key = Encoding.UTF8.GetBytes(t.Instrument.Key),
                    Value = t.ToByteArray(),
                    Headers = MessageHeaders.For<Trade>(),
                }
            );
        foreach (var instrument in trades.Select(t => t.Instrument).DistinctBy(i => i.Key))
            producer.Produce(
                TopicCatalog.RawTrades.Name,
                new Message<byte[], byte[]>
                {
                    Key = Encoding.UTF8.GetBytes(instrument.Key),
                    Headers = MessageHeaders.For<EndOfInput>(),
                    Value = new EndOfInput
                    {
                        Instrument = instrument,
                        Origin = Origin.Live,
                        ThroughTimeUs = To,
                    }.ToByteArray(),
                }
            );
        producer.Flush(TimeSpan.FromSeconds(60));
    }

    /// <summary>Runs the live processor in this process until its committed offsets reach the end of its inputs.</summary>
    private static Task RunLiveAsync(TestKafka kafka, PipelineOptions options)
    {
        var context = new PipelineContext(options, kafka.Settings, null, NullLoggerFactory.Instance);
        return ConsumerGroupProgress.RunUntilConsumedAsync(
            ct => ProcessorRole.RunAsync(context, ct),
            kafka.Settings,
            options.Processing.GroupId,
            MarketDataProcessor.InputTopics,
            TimeSpan.FromMinutes(2),
            "the live processor to consume its input"
        );
    }

    private static long Us(string utc) => DateTimeOffset.Parse(utc, CultureInfo.InvariantCulture).ToUnixTimeMilliseconds() * 1000;
}
