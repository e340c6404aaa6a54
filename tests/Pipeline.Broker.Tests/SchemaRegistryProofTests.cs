using System.Text.Json.Nodes;
using Confluent.Kafka;
using Google.Protobuf;
using Pipeline.Plumbing.Serialization;
using Pipeline.SchemaRegistry;
using Pipeline.Schemas.V1;
using Pipeline.Testing;

namespace Pipeline.Broker.Tests;

/// <summary>
/// Issue 17: records we write in Schema Registry framing, with our subjects in the built-in registry, are decoded by
/// deserializers we did not write — python3-confluent-kafka's ProtobufDeserializer and @kafkajs/confluent-schema-registry —
/// to the same messages (compared in proto3 JSON, Google.Protobuf's formatter on our side).
/// </summary>
public sealed class SchemaRegistryProofTests : IAsyncLifetime
{
    private readonly TestDirectory _registryDir = new();
    private InProcessBroker _broker = null!;
    private SchemaRegistryServer _registry = null!;
    private SchemaRegistryValueCodec _codec = null!;

    public async Task InitializeAsync()
    {
        _broker = await InProcessBroker.StartAsync();
        _registry = await SchemaRegistryServer.StartAsync(_registryDir.Path, 0);
        _codec = await SchemaRegistryValueCodec.ConnectAsync(_registry.Url, TopicValueSchemas.All());
    }

    public async Task DisposeAsync()
    {
        await _registry.DisposeAsync();
        await _broker.DisposeAsync();
        _registryDir.Dispose();
    }

    private static InstrumentRef BtcUsdt =>
        new()
        {
            Exchange = "binance",
            Base = "BTC",
            Quote = "USDT",
            Market = MarketType.Spot,
        };

    // The kline of Binance's REST API documentation (GET /api/v3/klines example), as candles of ours.
    private static Candle[] Candles() =>
        [
            new()
            {
                Instrument = BtcUsdt,
                Interval = "1m",
                OpenTimeUs = 1_499_040_000_000_000,
                CloseTimeUs = 1_499_040_060_000_000,
                Open = Schemas.V1.Decimal.From(0.01634790m),
                High = Schemas.V1.Decimal.From(0.80000000m),
                Low = Schemas.V1.Decimal.From(0.01575800m),
                Close = Schemas.V1.Decimal.From(0.01577100m),
                Volume = Schemas.V1.Decimal.From(148976.11427815m),
                QuoteVolume = Schemas.V1.Decimal.From(2434.19055334m),
                TradeCount = 308,
                Closed = true,
                Source = CandleSource.Exchange,
                Origin = Origin.Backfill,
            },
            new()
            {
                Instrument = BtcUsdt,
                Interval = "1m",
                OpenTimeUs = 1_499_040_060_000_000,
                CloseTimeUs = 1_499_040_120_000_000,
                Open = Schemas.V1.Decimal.From(0.01577100m),
                High = Schemas.V1.Decimal.From(0.01577100m),
                Low = Schemas.V1.Decimal.From(-0.5m),
                Close = Schemas.V1.Decimal.From(0.01577100m),
                Volume = Schemas.V1.Decimal.From(0m),
                TradeCount = 0,
                Revision = 2,
                Source = CandleSource.Aggregated,
                Origin = Origin.Live,
            },
        ];

    private static Trade[] Trades() =>
        [
            new()
            {
                Instrument = BtcUsdt,
                TradeId = 28457,
                Price = Schemas.V1.Decimal.From(4.00000100m),
                Size = Schemas.V1.Decimal.From(12.00000000m),
                Aggressor = AggressorSide.Sell,
                EventTimeUs = 1_499_405_658_658_000,
                ReceiveTimeUs = 1_499_405_658_700_123,
                Origin = Origin.Live,
                VenueSymbol = "BTCUSDT",
            },
            new()
            {
                Instrument = BtcUsdt,
                TradeId = long.MaxValue,
                Price = Schemas.V1.Decimal.From(79228162514264337593543950335m),
                Size = Schemas.V1.Decimal.From(0.00000001m),
                Aggressor = AggressorSide.Buy,
                EventTimeUs = 1,
                Origin = Origin.Import,
                VenueSymbol = "BTCUSDT",
            },
        ];

    private async Task ProduceFramedAsync<T>(string topic, T[] values)
        where T : IMessage<T>
    {
        await _broker.CreateTopicAsync(topic);
        Librdkafka.EnsureLoaded();
        using var producer = new ProducerBuilder<byte[], byte[]>(
            new ProducerConfig { BootstrapServers = _broker.BootstrapServers, LingerMs = 1 }
        ).Build();
        foreach (var v in values)
            await producer.ProduceAsync(
                topic,
                new Message<byte[], byte[]> { Key = "binance:BTC-USDT:spot"u8.ToArray(), Value = _codec.Frame(topic, v.ToByteArray()) }
            );
    }

    private static void AssertSameMessages<T>(T[] expected, JsonNode records)
        where T : IMessage<T>
    {
        var actual = records.AsArray();
        Assert.Equal(expected.Length, actual.Count);
        for (int i = 0; i < expected.Length; i++)
        {
            var ours = JsonNode.Parse(JsonFormatter.Default.Format(expected[i]))!;
            Assert.True(
                JsonNode.DeepEquals(ours, actual[i]),
                $"record {i}: ours {ours.ToJsonString()} but decoded {actual[i]!.ToJsonString()}"
            );
        }
    }

    [Fact]
    [Trait("Issue", "17")]
    public async Task Stock_python_ProtobufDeserializer_decodes_our_candles_and_trades_through_the_built_in_registry()
    {
        await ProduceFramedAsync("candles", Candles());
        await ProduceFramedAsync("trades.valid", Trades());
        var candles = await ExternalClient.PythonAsync(
            "confluent_python_registry_consumer.py",
            _broker.BootstrapServers,
            _registry.Url,
            "candles",
            "Candle",
            "2"
        );
        AssertSameMessages(Candles(), JsonNode.Parse(candles.GetProperty("records").GetRawText())!);
        var trades = await ExternalClient.PythonAsync(
            "confluent_python_registry_consumer.py",
            _broker.BootstrapServers,
            _registry.Url,
            "trades.valid",
            "Trade",
            "2"
        );
        AssertSameMessages(Trades(), JsonNode.Parse(trades.GetProperty("records").GetRawText())!);
    }

    [Fact]
    [Trait("Issue", "17")]
    public async Task Kafkajs_confluent_schema_registry_decodes_our_candles_and_trades_by_the_id_in_each_record()
    {
        await ProduceFramedAsync("candles", Candles());
        await ProduceFramedAsync("trades.valid", Trades());
        var candles = await ExternalClient.NodeAsync(
            "kafkajs_registry_consumer.js",
            _broker.BootstrapServers,
            _registry.Url,
            "candles",
            "2"
        );
        AssertSameMessages(Candles(), JsonNode.Parse(candles.GetProperty("records").GetRawText())!);
        var trades = await ExternalClient.NodeAsync(
            "kafkajs_registry_consumer.js",
            _broker.BootstrapServers,
            _registry.Url,
            "trades.valid",
            "2"
        );
        AssertSameMessages(Trades(), JsonNode.Parse(trades.GetProperty("records").GetRawText())!);
    }

    [Fact]
    [Trait("Issue", "10")]
    public void An_end_of_input_mark_on_trades_raw_is_framed_with_the_topics_schema_and_its_own_message_index()
    {
        var mark = new EndOfInput
        {
            Instrument = BtcUsdt,
            Origin = Origin.Import,
            ThroughTimeUs = 1_499_405_658_658_000,
        }.ToByteArray();
        var trade = Trades()[0].ToByteArray();

        var framedMark = _codec.Frame("trades.raw", EndOfInput.Descriptor, mark);
        var framedTrade = _codec.Frame("trades.raw", Trade.Descriptor, trade);

        Assert.True(SchemaRegistryFraming.TryRead(framedMark, out var markId, out var markIndexes, out _, out _));
        Assert.True(SchemaRegistryFraming.TryRead(framedTrade, out var tradeId, out var tradeIndexes, out _, out _));
        Assert.Equal(tradeId, markId); // one subject, trades.raw-value: the file that holds both messages
        Assert.Equal([1], markIndexes); // EndOfInput is the second message of pipeline/v1/trade.proto
        Assert.Equal([0], tradeIndexes);
        Assert.Equal(mark, _codec.Read(framedMark).PayloadArray());
        Assert.Throws<ArgumentException>(() => _codec.Frame("trades.raw", Candle.Descriptor, Candles()[0].ToByteArray()));
    }

    [Fact]
    [Trait("Issue", "17")]
    public void A_framed_value_with_an_unknown_schema_id_is_a_fault_with_the_reason_and_plain_values_still_read()
    {
        var candle = Candles()[0].ToByteArray();
        var unknown = SchemaRegistryFraming.Frame(SchemaRegistryFraming.Prefix(9999, [0]), candle);
        var fault = _codec.Read(unknown);
        Assert.True(fault.IsFault);
        Assert.Contains("schema id 9999 is not registered", fault.FaultReason);
        Assert.Equal("unknown_schema", fault.FaultCode);
        Assert.Equal("malformed", _codec.Read([0, 0, 0]).FaultCode); // a 0x00 first byte without a whole framing

        var plain = _codec.Read(candle);
        Assert.Equal(candle, plain.PayloadArray());
        var framed = _codec.Read(_codec.Frame("candles", candle));
        Assert.False(framed.IsFault);
        Assert.Equal(Candles()[0], Candle.Parser.ParseFrom(framed.PayloadArray()));
    }
}
