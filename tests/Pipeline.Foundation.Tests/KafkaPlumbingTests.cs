using Confluent.Kafka;
using Pipeline.Plumbing.Kafka;
using Pipeline.Plumbing.Serialization;
using Pipeline.Plumbing.Topics;
using Pipeline.Schemas.V1;
using Pipeline.Testing;

namespace Pipeline.Foundation.Tests;

public class KafkaPlumbingTests
{
    /// <summary>Whether the generic librdkafka.so of librdkafka.redist can load here (it needs libsasl2.so.3; Debian 12 has
    /// .so.2).</summary>
    internal static bool HasSasl3 =>
        File.Exists("/usr/lib/x86_64-linux-gnu/libsasl2.so.3") || File.Exists("/lib/x86_64-linux-gnu/libsasl2.so.3");

    [Fact]
    public void The_loaded_librdkafka_is_the_redist_package_of_Confluent_Kafkas_own_version()
    {
        var version = LibrdkafkaLoader.EnsureLoaded();
        Assert.Equal(Library.VersionString, version);
        Assert.Equal(typeof(Library).Assembly.GetName().Version!.ToString(3), version);
        Assert.NotNull(LibrdkafkaLoader.LoadedFrom);
        Assert.Contains("runtimes/linux-x64/native/", LibrdkafkaLoader.LoadedFrom);
    }

    [Fact]
    public void Without_libsasl2_so_3_Confluent_Kafka_falls_back_to_the_centos8_build()
    {
        // Debian 12 (this project's target) ships libsasl2.so.2 only: the generic build cannot load, the centos8 one (glibc only) does.
        var expected = HasSasl3 ? "/librdkafka.so" : "/centos8-librdkafka.so";
        Assert.EndsWith(expected, LibrdkafkaLoader.LoadedFrom);
        Assert.Equal(typeof(Library).Assembly.GetName().Version!.ToString(3), LibrdkafkaLoader.EnsureLoaded());
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
        using (
            var producer = new ProducerBuilder<string, Trade>(kafka.Settings.Producer("test"))
                .SetValueSerializer(ProtobufSerializer<Trade>.Instance)
                .Build()
        )
        {
            await producer.ProduceAsync(
                TopicCatalog.RawTrades.Name,
                new Message<string, Trade>
                {
                    Key = trade.Instrument.Key,
                    Value = trade,
                    Headers = MessageHeaders.For<Trade>(),
                }
            );
        }

        using var consumer = new ConsumerBuilder<string, Trade>(kafka.Settings.Consumer("test", "test-group"))
            .SetValueDeserializer(ProtobufDeserializer<Trade>.Instance)
            .Build();
        consumer.Subscribe(TopicCatalog.RawTrades.Name);
        var result = consumer.Consume(TimeSpan.FromSeconds(30));

        Assert.NotNull(result);
        Assert.Equal(trade, result.Message.Value);
        Assert.Equal("sim:BTC/USD:spot", result.Message.Key);
        Assert.Equal("pipeline.v1.Trade", MessageHeaders.TypeOf(result.Message.Headers));
    }
}
