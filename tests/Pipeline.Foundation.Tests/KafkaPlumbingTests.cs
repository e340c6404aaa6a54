using Confluent.Kafka;
using Pipeline.Plumbing.Kafka;
using Pipeline.Plumbing.Topics;
using Pipeline.Schemas.V1;
using Pipeline.Testing;

namespace Pipeline.Foundation.Tests;

public class KafkaPlumbingTests
{
    [Fact]
    public void The_loaded_librdkafka_is_2_15()
    {
        Assert.StartsWith("2.15.", LibrdkafkaLoader.EnsureLoaded());
    }

    [Fact]
    public async Task A_trade_published_with_headers_is_read_back_equal_with_its_type_named()
    {
        await using var kafka = await TestKafka.StartAsync(partitions: 3);
        var trade = new Trade
        {
            Instrument = InstrumentRef.Create("sim", "BTC", "USD", MarketType.Spot),
            TradeId = 7,
            Price = Pipeline.Schemas.V1.Decimal.From(60123.45m),
            Size = Pipeline.Schemas.V1.Decimal.From(0.015m),
            EventTimeUs = 1_700_000_000_000_001,
            Origin = Origin.Simulated,
        };
        using (var producer = new ProducerBuilder<string, Trade>(kafka.Settings.Producer("test"))
                   .SetValueSerializer(ProtobufSerializer<Trade>.Instance).Build())
        {
            await producer.ProduceAsync(TopicCatalog.RawTrades.Name,
                new Message<string, Trade> { Key = trade.Instrument.Key, Value = trade, Headers = MessageHeaders.For<Trade>() });
        }

        using var consumer = new ConsumerBuilder<string, Trade>(kafka.Settings.Consumer("test", "test-group"))
            .SetValueDeserializer(ProtobufDeserializer<Trade>.Instance).Build();
        consumer.Subscribe(TopicCatalog.RawTrades.Name);
        var result = consumer.Consume(TimeSpan.FromSeconds(30));

        Assert.NotNull(result);
        Assert.Equal(trade, result.Message.Value);
        Assert.Equal("sim:BTC/USD:spot", result.Message.Key);
        Assert.Equal("pipeline.v1.Trade", MessageHeaders.TypeOf(result.Message.Headers));
    }
}
