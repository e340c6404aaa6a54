// Records the sink cannot store go to the dead-letter topic with the reason; the rest of the batch is written.
using Confluent.Kafka;
using Pipeline.Plumbing.Topics;
using Pipeline.Schemas.V1;
using Pipeline.Testing;
using static Pipeline.Sinks.Tests.SinkRecords;

namespace Pipeline.Sinks.Tests;

public sealed class SinkDeadLetterTests
{
    [Fact]
    public async Task Malformed_and_invalid_records_are_dead_lettered_and_the_valid_ones_written()
    {
        await using var kafka = await TestKafka.StartAsync(partitions: 1);
        var db = await TestPostgres.CreateDatabaseAsync();
        await ProduceAsync(kafka.Settings, TopicCatalog.ValidTrades.Name, [Trade(1, "10", "1", Day)], t => t.Instrument.Key);
        await ProduceRawAsync(kafka.Settings, TopicCatalog.ValidTrades.Name, BtcUsdt.Key, [0xFF, 0xFF, 0xFF, 0x01]);
        var badCandle = Candle(Day, "100", "99", "98", "99.5", "1", closed: true, revision: 0); // high below open
        await ProduceAsync(kafka.Settings, TopicCatalog.Candles.Name, [badCandle], c => c.Instrument.Key);
        await ProduceAsync(kafka.Settings, TopicCatalog.ValidTrades.Name, [Trade(2, "11", "1", Day + 1)], t => t.Instrument.Key);

        await using (var sink = RunningSink.Start(kafka.Settings, db))
            await Eventually.TrueAsync(
                async () => await RunningSink.CountAsync(db, "SELECT coalesce(sum(next_offset), 0) FROM sink_positions") == 4,
                what: "all 4 records consumed"
            );

        Assert.Equal(2, await RunningSink.CountAsync(db, "SELECT count(*) FROM trades"));
        Assert.Equal(0, await RunningSink.CountAsync(db, "SELECT count(*) FROM candles"));

        using var deadLetters = new TopicReader<DeadLetter>(kafka.Settings, TopicCatalog.DeadLetters.Name);
        var letters = await Eventually.GetAsync(deadLetters.PollAsync, l => l.Count >= 2, TimeSpan.FromSeconds(30), "two dead letters");
        Assert.Equal(["invalid_candle", "malformed"], letters.Select(l => l.ReasonCode).Order());
        Assert.Contains(letters, l => l.SourceTopic == "trades.valid" && l.SourceOffset == 1 && l.OriginalValue.Length == 4);
        Assert.Contains(letters, l => l.Reason.Contains("high is below"));
    }

    [Fact]
    [Trait("Issue", "18")]
    public async Task Trade_in_the_year_30000_and_a_1_2_MB_record_are_dead_lettered_and_writing_goes_on()
    {
        // Was: the sink crash-looped on the un-representable DateTime and all writing to PostgreSQL stopped.
        await using var kafka = await TestKafka.StartAsync(partitions: 1);
        var db = await TestPostgres.CreateDatabaseAsync();
        const long year30000 = 884_541_340_800_000_000L;
        await ProduceAsync(kafka.Settings, TopicCatalog.ValidTrades.Name, [Trade(1, "10", "1", year30000)], t => t.Instrument.Key);
        var config = kafka.Settings.Producer("sink-tests");
        config.MessageMaxBytes = 2_000_000;
        using (var producer = new ProducerBuilder<string, byte[]>(config).Build())
            await producer.ProduceAsync(
                TopicCatalog.ValidTrades.Name,
                new Message<string, byte[]> { Key = BtcUsdt.Key, Value = new byte[1_200_000] }
            );
        await ProduceAsync(kafka.Settings, TopicCatalog.ValidTrades.Name, [Trade(2, "11", "1", Day)], t => t.Instrument.Key);

        await using (var sink = RunningSink.Start(kafka.Settings, db))
        {
            await Eventually.TrueAsync(
                async () =>
                {
                    if (sink.Task.IsFaulted)
                        throw sink.Task.Exception!;
                    return await RunningSink.CountAsync(db, "SELECT coalesce(sum(next_offset), 0) FROM sink_positions") == 3;
                },
                what: "all 3 records consumed"
            );
            Assert.False(sink.Task.IsCompleted);
        }
        Assert.Equal(1, await RunningSink.CountAsync(db, "SELECT count(*) FROM trades"));

        using var deadLetters = new TopicReader<DeadLetter>(kafka.Settings, TopicCatalog.DeadLetters.Name);
        var letters = await Eventually.GetAsync(deadLetters.PollAsync, l => l.Count >= 2, TimeSpan.FromSeconds(30), "two dead letters");
        Assert.Equal(2, letters.Count);
        Assert.Contains(letters, l => l.ReasonCode == "invalid_trade" && l.Reason.Contains("outside the supported range"));
        Assert.Contains(
            letters,
            l => l.SourceOffset == 1 && l.OriginalValue.Length == Pipeline.Schemas.V1.RecordBounds.MaxDeadLetterOriginalBytes
        );
    }
}
