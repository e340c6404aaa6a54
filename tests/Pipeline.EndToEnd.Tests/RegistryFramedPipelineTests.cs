// Issue 17's proof at the scale users meet it: the whole pipeline runs with Schema Registry framing, and a consumer we did
// not write (python3-confluent-kafka's stock ProtobufDeserializer, message classes fetched from our registry) decodes the
// candles and trades it wrote to exactly what our API serves for them.
using System.Globalization;
using System.Numerics;
using System.Text.Json;
using Confluent.Kafka;
using Google.Protobuf;
using Pipeline.Api;
using Pipeline.Plumbing.Serialization;
using Pipeline.Plumbing.Topics;
using Pipeline.Processors;
using Pipeline.SchemaRegistry;
using Pipeline.Schemas;
using Pipeline.Schemas.V1;
using Pipeline.Sinks;
using Pipeline.Testing;

namespace Pipeline.EndToEnd.Tests;

/// <summary>The framing is process-wide (RecordValues): nothing else may run in this process meanwhile.</summary>
[CollectionDefinition(nameof(RegistryFramedPipelineTests), DisableParallelization = true)]
public sealed class RegistryFramedCollection;

[Collection(nameof(RegistryFramedPipelineTests))]
public class RegistryFramedPipelineTests
{
    private static readonly DateTimeOffset Start = new(2025, 3, 14, 9, 0, 0, TimeSpan.Zero);
    private const string Instrument = "binance/BTC/USDT/spot";

    [Fact]
    [Trait("Issue", "17")]
    public async Task A_stock_python_deserializer_decodes_the_candles_and_trades_the_api_serves()
    {
        await using var pipeline = await TestPipeline.StartAsync(partitions: 2);
        var (kafka, options) = (pipeline.Kafka, pipeline.Options);
        var registryDir = TestDirectories.Create("registry");
        await using var registry = await SchemaRegistryServer.StartAsync(registryDir, 0);
        using var codec = await SchemaRegistryValueCodec.ConnectAsync(registry.Url, TopicValueSchemas.All());
        RecordValues.Use(codec);
        var roles = pipeline.Roles;
        try
        {
            // 240 trades over 12 minutes (a seeded walk), then one 30 minutes later so every candle up to 15m closes.
            var random = new Random(17);
            var trades = new List<Trade>();
            var price = 64_000.00m;
            for (var i = 0; i < 240; i++)
            {
                price += random.Next(-300, 301) / 100m;
                trades.Add(
                    TradeAt(
                        10_000 + i,
                        price,
                        random.Next(1, 5000) / 10_000m,
                        Start.AddSeconds(i * 3 + 1),
                        i % 3 == 0 ? AggressorSide.Sell : AggressorSide.Buy
                    )
                );
            }
            trades.Add(TradeAt(20_000, price, 0.001m, Start.AddMinutes(42), AggressorSide.Buy));
            using (var producer = new ProducerBuilder<byte[], byte[]>(kafka.Settings.Producer("e2e-registry")).Build())
                foreach (var t in trades)
                    await producer.ProduceAsync(
                        TopicCatalog.RawTrades.Name,
                        new Message<byte[], byte[]>
                        {
                            Key = System.Text.Encoding.UTF8.GetBytes(t.Instrument.Key),
                            Value = RecordValues.Write(TopicCatalog.RawTrades.Name, t.ToByteArray()),
                            Headers = RecordValues.HeadersFor(TopicCatalog.RawTrades.Name, null),
                        }
                    );

            pipeline.Run(ProcessorRole.RunAsync);
            pipeline.Run(SinkRole.RunAsync);
            pipeline.Run(ApiRole.RunAsync);
            using var http = new HttpClient { BaseAddress = new Uri(options.Api.Urls) };
            var range = $"start={Start:yyyy-MM-ddTHH:mm:ssZ}&end={Start.AddHours(1):yyyy-MM-ddTHH:mm:ssZ}";
            var apiTrades = await Eventually.GetAsync(
                () => GetDataAsync(http, $"/trades/{Instrument}?{range}&limit=1000", roles),
                rows => rows.Count == trades.Count,
                TimeSpan.FromSeconds(120),
                "every trade in the API"
            );
            // The last trade (minute 42; lateness 2 s by default) closes 12 candles of 1m, 4 of 3m, 3 of 5m, 1 of 15m and 1 of
            // 30m, and no longer one: 21 records on candles.final, all of which the API must serve.
            var closedByInterval = new[] { ("1m", 12), ("3m", 4), ("5m", 3), ("15m", 1), ("30m", 1) };
            var apiCandles = new Dictionary<(string, string), JsonElement>();
            foreach (var (interval, closed) in closedByInterval)
            {
                var rows = await Eventually.GetAsync(
                    () => GetDataAsync(http, $"/candles/{Instrument}/{interval}?{range}", roles),
                    r => r.Count(c => c.GetProperty("closed").GetBoolean()) == closed,
                    TimeSpan.FromSeconds(120),
                    $"the closed {interval} candles in the API"
                );
                foreach (var c in rows.Where(c => c.GetProperty("closed").GetBoolean()))
                    apiCandles[(interval, c.GetProperty("time").GetString()!)] = c;
            }

            var decodedTrades = await PythonAsync(
                kafka.BootstrapServers,
                registry.Url,
                TopicCatalog.ValidTrades.Name,
                "Trade",
                trades.Count
            );
            var decodedCandles = await PythonAsync(
                kafka.BootstrapServers,
                registry.Url,
                TopicCatalog.FinalCandles.Name,
                "Candle",
                apiCandles.Count
            );

            var apiTradeById = apiTrades.ToDictionary(t => t.GetProperty("trade_id").GetInt64());
            Assert.Equal(trades.Count, decodedTrades.Count);
            foreach (var d in decodedTrades)
            {
                var a = apiTradeById[long.Parse(d.GetProperty("tradeId").GetString()!, CultureInfo.InvariantCulture)];
                Assert.Equal(
                    decimal.Parse(a.GetProperty("price").GetString()!, CultureInfo.InvariantCulture),
                    DecimalOf(d.GetProperty("price"))
                );
                Assert.Equal(
                    decimal.Parse(a.GetProperty("size").GetString()!, CultureInfo.InvariantCulture),
                    DecimalOf(d.GetProperty("size"))
                );
                Assert.Equal(
                    a.GetProperty("time").GetString(),
                    new UnixMicros(long.Parse(d.GetProperty("eventTimeUs").GetString()!, CultureInfo.InvariantCulture)).ToIso()
                );
            }
            Assert.Equal(apiCandles.Count, decodedCandles.Count);
            foreach (var d in decodedCandles)
            {
                var time = new UnixMicros(long.Parse(d.GetProperty("openTimeUs").GetString()!, CultureInfo.InvariantCulture)).ToIso();
                Assert.True(
                    apiCandles.TryGetValue((d.GetProperty("interval").GetString()!, time), out var a),
                    $"the API serves the decoded {d.GetProperty("interval")} candle at {time}"
                );
                foreach (var field in new[] { "open", "high", "low", "close", "volume" })
                    Assert.Equal(
                        decimal.Parse(a.GetProperty(field).GetString()!, CultureInfo.InvariantCulture),
                        DecimalOf(d.GetProperty(field))
                    );
                Assert.Equal(
                    decimal.Parse(a.GetProperty("quote_volume").GetString()!, CultureInfo.InvariantCulture),
                    DecimalOf(d.GetProperty("quoteVolume"))
                );
                Assert.Equal(
                    a.GetProperty("trade_count").GetInt64(),
                    long.Parse(d.GetProperty("tradeCount").GetString()!, CultureInfo.InvariantCulture)
                );
            }
        }
        finally
        {
            await pipeline.StopRolesAsync();
            RecordValues.Use(null);
        }
    }

    private static Trade TradeAt(long id, decimal price, decimal size, DateTimeOffset time, AggressorSide side) =>
        new()
        {
            Instrument = InstrumentRef.Create("binance", "BTC", "USDT", MarketType.Spot),
            TradeId = id,
            Price = Schemas.V1.Decimal.From(price),
            Size = Schemas.V1.Decimal.From(size),
            Aggressor = side,
            EventTimeUs = time.ToUnixTimeMilliseconds() * 1000,
            ReceiveTimeUs = time.ToUnixTimeMilliseconds() * 1000 + 250,
            Origin = Origin.Import,
            VenueSymbol = "BTCUSDT",
        };

    /// <summary>pipeline.v1.Decimal as proto3 JSON (MessageToDict: 64-bit fields as strings, zero fields left out).</summary>
    private static decimal DecimalOf(JsonElement d)
    {
        var lo = d.TryGetProperty("lo", out var l) ? ulong.Parse(l.GetString()!, CultureInfo.InvariantCulture) : 0UL;
        var hi = d.TryGetProperty("hi", out var h) ? h.GetUInt32() : 0U;
        var scale = d.TryGetProperty("scale", out var s) ? s.GetInt32() : 0;
        var negative = d.TryGetProperty("negative", out var n) && n.GetBoolean();
        var unscaled = (BigInteger)hi << 64 | lo;
        var value = (decimal)unscaled / (decimal)BigInteger.Pow(10, scale);
        return negative ? -value : value;
    }

    private static async Task<List<JsonElement>> GetDataAsync(HttpClient http, string url, IEnumerable<Task> roles)
    {
        if (roles.FirstOrDefault(r => r.IsFaulted) is { } failed)
            throw failed.Exception!;
        try
        {
            using var response = await http.GetAsync(url);
            if (!response.IsSuccessStatusCode)
                return [];
            using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            return doc.RootElement.GetProperty("data").EnumerateArray().Select(e => e.Clone()).ToList();
        }
        catch (HttpRequestException)
        {
            return [];
        }
    }

    private static async Task<List<JsonElement>> PythonAsync(string bootstrap, string registry, string topic, string message, int count)
    {
        var result = await ExternalClient.PythonAsync(
            "confluent_python_registry_consumer.py",
            bootstrap,
            registry,
            topic,
            message,
            count.ToString(CultureInfo.InvariantCulture)
        );
        return result.GetProperty("records").EnumerateArray().Select(e => e.Clone()).ToList();
    }
}
