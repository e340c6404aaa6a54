// Issue 18: random and boundary values driven through the real processor and sink on a real broker and PostgreSQL.
// No stage may stop, and every record published is either a valid trade (stored once) or a dead letter.
using Confluent.Kafka;
using Google.Protobuf;
using Npgsql;
using Pipeline.Plumbing.Serialization;
using Pipeline.Plumbing.Topics;
using Pipeline.Processors;
using Pipeline.Schemas.V1;
using Pipeline.Sinks;
using Pipeline.Testing;
using ProtoDecimal = Pipeline.Schemas.V1.Decimal;

namespace Pipeline.EndToEnd.Tests;

[Trait("Issue", "18")]
public class PoisonRecordFuzzTests
{
    private static readonly InstrumentRef Btc = InstrumentRef.Create("binance", "BTC", "USDT", MarketType.Spot);
    private static readonly long T0 = new DateTimeOffset(2025, 3, 14, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds() * 1000;

    private static readonly ProtoDecimal[] Numbers =
    [
        ProtoDecimal.From(1m),
        ProtoDecimal.From(0.00000001m),
        ProtoDecimal.From(65000.5m),
        ProtoDecimal.From(0m),
        ProtoDecimal.From(-1m),
        ProtoDecimal.From(1e15m),
        ProtoDecimal.From(decimal.MaxValue),
        ProtoDecimal.From(1e-28m),
        ProtoDecimal.From(9_999_999_999_999m),
        new ProtoDecimal { Lo = 1, Scale = 29 },
        new ProtoDecimal { Lo = 1, Hi = uint.MaxValue },
    ];

    private static readonly long[] Times =
    [
        T0,
        T0 + 1,
        0,
        1,
        -1,
        long.MaxValue,
        long.MinValue,
        RecordBounds.MinTimeUs - 1,
        RecordBounds.MaxTimeUs,
        884_541_340_800_000_000L, // the year 30,000
        253_402_300_800_000_000L, // 10000-01-01: one past DateTime.MaxValue
    ];

    [Fact]
    public async Task Random_and_boundary_records_never_stop_the_processor_or_the_sink_and_each_is_valid_or_dead()
    {
        await using var pipeline = await TestPipeline.StartAsync(
            partitions: 2,
            new Dictionary<string, string?> { ["PIPELINE__PROCESSING__INSTANCEID"] = "fuzz" }
        );
        var (kafka, db) = (pipeline.Kafka, pipeline.Database);

        var random = new Random(18);
        var records = new List<Message<byte[], byte[]>>();
        for (var i = 0; i < 400; i++)
        {
            var t = new Trade
            {
                Instrument = random.Next(10) == 0 ? InstrumentRef.Create("binance", "NOPE", "USDT", MarketType.Spot) : Btc,
                TradeId = random.Next(5) == 0 ? random.NextInt64(long.MinValue, long.MaxValue) : i,
                Price = random.Next(3) == 0 ? Numbers[random.Next(Numbers.Length)] : ProtoDecimal.From(60000m + random.Next(1000)),
                Size = random.Next(3) == 0 ? Numbers[random.Next(Numbers.Length)] : ProtoDecimal.From(random.Next(1, 100) / 100m),
                Aggressor = (AggressorSide)random.Next(4),
                EventTimeUs = random.Next(4) == 0 ? Times[random.Next(Times.Length)] : T0 + i * 1_000_000L,
                ReceiveTimeUs = random.Next(6) == 0 ? Times[random.Next(Times.Length)] : T0 + i * 1_000_000L + 500,
                Origin = random.Next(8) == 0 ? (Origin)random.Next(7) : Origin.Import,
            };
            var value = t.ToByteArray();
            if (random.Next(20) == 0)
                value = RandomBytes(random, random.Next(1, 64));
            if (random.Next(40) == 0)
                value[random.Next(value.Length)] ^= (byte)random.Next(1, 256);
            records.Add(
                new()
                {
                    Key = System.Text.Encoding.UTF8.GetBytes(t.Instrument.Key),
                    Value = value,
                    Headers = MessageHeaders.For<Trade>(),
                }
            );
        }
        // A 1.2 MB record (the broker accepts 8 MiB): its dead letter must fit the producer's 1 MB limit.
        var huge = new Trade
        {
            Instrument = Btc,
            TradeId = 1_000_000,
            Price = ProtoDecimal.From(1m),
            Size = ProtoDecimal.From(1m),
            EventTimeUs = T0,
            Origin = Origin.Import,
            VenueSymbol = new string('x', 1_200_000),
        };
        records.Insert(200, new() { Key = System.Text.Encoding.UTF8.GetBytes(Btc.Key), Value = huge.ToByteArray() });

        var config = kafka.Settings.Producer("fuzz");
        config.MessageMaxBytes = 2_000_000;
        using (var producer = new ProducerBuilder<byte[], byte[]>(config).Build())
            foreach (var m in records)
                await producer.ProduceAsync(TopicCatalog.RawTrades.Name, m);

        pipeline.Run(ProcessorRole.RunAsync);
        pipeline.Run(SinkRole.RunAsync);
        var roles = pipeline.Roles;
        using var valid = new TopicReader<Trade>(kafka.Settings, TopicCatalog.ValidTrades.Name);
        using var dead = new TopicReader<DeadLetter>(kafka.Settings, TopicCatalog.DeadLetters.Name);
        await Eventually.TrueAsync(
            async () =>
            {
                if (roles.FirstOrDefault(r => r.IsCompleted) is { } ended)
                    throw new Xunit.Sdk.XunitException($"a role stopped: {ended.Exception}");
                var v = (await valid.PollAsync()).Count;
                var d = (await dead.PollAsync()).Count(l => l.SourceTopic == TopicCatalog.RawTrades.Name);
                return v + d >= records.Count;
            },
            TimeSpan.FromSeconds(120),
            "every record valid or dead-lettered"
        );
        Assert.Equal(records.Count, valid.Received.Count + dead.Received.Count(l => l.SourceTopic == TopicCatalog.RawTrades.Name));
        Assert.Contains(dead.Received, l => l.ReasonCode == "too_large");
        Assert.Contains(dead.Received, l => l.ReasonCode == "time_out_of_range");
        Assert.Contains(dead.Received, l => l.ReasonCode == "value_out_of_range");
        Assert.DoesNotContain(dead.Received, l => l.ReasonCode == "processing_failed");

        // The sink stores every valid trade once and rejects none of them.
        await Eventually.TrueAsync(
            async () =>
            {
                if (roles.FirstOrDefault(r => r.IsCompleted) is { } ended)
                    throw new Xunit.Sdk.XunitException($"a role stopped: {ended.Exception}");
                return await CountAsync(db, "SELECT count(*) FROM trades") == valid.Received.Count;
            },
            TimeSpan.FromSeconds(60),
            "every valid trade stored"
        );
        Assert.DoesNotContain(dead.Received, l => l.Processor == "sink");
        Assert.All(roles, r => Assert.False(r.IsCompleted));
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static async Task<long> CountAsync(string connectionString, string sql)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        return Convert.ToInt64(await cmd.ExecuteScalarAsync());
    }
}
