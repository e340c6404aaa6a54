// Issue 18: `pipeline import` reports at its end how many of its rows the processor accepted and dead-lettered.
// Was: "Imported 20000 rows" and exit 0 while every row was dead-lettered.
using Microsoft.Extensions.Logging;
using Pipeline.Plumbing;
using Pipeline.Plumbing.Configuration;
using Pipeline.Processors;
using Pipeline.Producers.Publishing;
using Pipeline.Schemas.V1;
using Pipeline.Testing;
using ProtoDecimal = Pipeline.Schemas.V1.Decimal;

namespace Pipeline.EndToEnd.Tests;

[Trait("Issue", "18")]
public class ImportOutcomeTests
{
    private static readonly InstrumentRef Btc = InstrumentRef.Create("binance", "BTC", "USDT", MarketType.Spot);
    private static readonly long T0 = new DateTimeOffset(2025, 3, 14, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds() * 1000;

    private static Trade T(long id, string price, long offsetUs) =>
        new()
        {
            Instrument = Btc,
            TradeId = id,
            Price = ProtoDecimal.From(decimal.Parse(price, System.Globalization.CultureInfo.InvariantCulture)),
            Size = ProtoDecimal.From(1m),
            EventTimeUs = T0 + offsetUs,
            ReceiveTimeUs = T0 + offsetUs,
            Origin = Origin.Import,
        };

    [Fact]
    public async Task Import_outcome_counts_accepted_and_dead_lettered_rows_by_reason_including_an_import_that_is_all_rejected()
    {
        await using var kafka = await TestKafka.StartAsync(partitions: 2);
        var options = PipelineConfiguration.Load(
            file: null,
            environment: new Dictionary<string, string?> { ["PIPELINE__PROCESSING__INSTANCEID"] = "import-outcome" }
        );
        using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning));
        var context = new PipelineContext(options, kafka.Settings, null, loggers);
        using var stop = new CancellationTokenSource();
        var processor = Task.Run(() => ProcessorRole.RunAsync(context, stop.Token));
        try
        {
            // First import: 4 good rows, one of them twice, and one with a zero price.
            var first = await PublishAsync(
                kafka,
                loggers,
                [T(1, "100", 0), T(2, "101", 1_000_000), T(2, "101", 1_000_000), T(3, "0", 2_000_000), T(4, "102", 3_000_000)]
            );
            var outcome = await ImportOutcome.ReadAsync(
                kafka.Settings,
                options.Processing.GroupId,
                first.Ranges,
                first.Started,
                TimeSpan.FromSeconds(90),
                CancellationToken.None
            );
            Assert.False(processor.IsCompleted, processor.Exception?.ToString());
            Assert.True(outcome.Complete);
            Assert.Equal(5, outcome.Published);
            Assert.Equal(3, outcome.Accepted);
            Assert.Equal(1, outcome.DeadLettersByReason["duplicate_trade_id"]);
            Assert.Equal(1, outcome.DeadLettersByReason["price_not_positive"]);

            // The same rows again: nothing accepted (the CLI then exits 1), every row reported as a duplicate or invalid.
            var again = await PublishAsync(kafka, loggers, [T(1, "100", 0), T(2, "101", 1_000_000), T(4, "102", 3_000_000)]);
            var repeat = await ImportOutcome.ReadAsync(
                kafka.Settings,
                options.Processing.GroupId,
                again.Ranges,
                again.Started,
                TimeSpan.FromSeconds(90),
                CancellationToken.None
            );
            Assert.True(repeat.Complete);
            Assert.Equal(0, repeat.Accepted);
            Assert.Equal(3, repeat.DeadLettersByReason["duplicate_trade_id"]);
        }
        finally
        {
            stop.Cancel();
            await processor.ContinueWith(_ => { });
        }
    }

    private static async Task<(
        IReadOnlyDictionary<Confluent.Kafka.TopicPartition, (long First, long Last)> Ranges,
        DateTime Started
    )> PublishAsync(TestKafka kafka, ILoggerFactory loggers, Trade[] trades)
    {
        var started = DateTime.UtcNow;
        using var publisher = new TopicPublisher(kafka.Settings, "import-outcome-test", loggers.CreateLogger("import"));
        foreach (var t in trades)
            await publisher.PublishAsync(t, CancellationToken.None);
        await publisher.FlushAsync(CancellationToken.None);
        return (publisher.DeliveredRanges, started);
    }
}
