using Confluent.Kafka;
using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Plumbing;
using Pipeline.Plumbing.Configuration;
using Pipeline.Plumbing.Kafka;
using Pipeline.Plumbing.Serialization;
using Pipeline.Plumbing.Topics;
using Pipeline.Processors.Hosting;
using Pipeline.Schemas.V1;
using Pipeline.Testing;
using static Pipeline.Processors.Tests.TradeFactory;

namespace Pipeline.Processors.Tests;

public class ProcessorHostTests
{
    /// <summary>Trades into trades.raw as a producer writes them: keyed by instrument, with the Trade type header.</summary>
    private static async Task ProduceRawTradesAsync(TestKafka kafka, string client, IEnumerable<Trade> trades)
    {
        using var producer = new ProducerBuilder<byte[]?, byte[]?>(kafka.Settings.Producer(client)).Build();
        foreach (var t in trades)
            await producer.ProduceAsync(
                TopicCatalog.RawTrades.Name,
                new Message<byte[]?, byte[]?>
                {
                    Key = System.Text.Encoding.UTF8.GetBytes(t.Instrument.Key),
                    Value = t.ToByteArray(),
                    Headers = MessageHeaders.For<Trade>(),
                }
            );
    }

    /// <summary>The processor role's context on the test broker: this instance id, the defaults, and the settings given.</summary>
    private static PipelineContext HostContext(TestKafka kafka, string instanceId, params (string Key, string Value)[] settings)
    {
        var environment = new Dictionary<string, string?> { ["PIPELINE__PROCESSING__INSTANCEID"] = instanceId };
        foreach (var (key, value) in settings)
            environment[key] = value;
        return new PipelineContext(
            PipelineConfiguration.Load(file: null, environment: environment),
            kafka.Settings,
            null,
            NullLoggerFactory.Instance
        );
    }

    [Fact]
    public async Task Processor_role_turns_raw_trades_on_kafka_into_valid_trades_final_candles_and_dead_letters()
    {
        await using var kafka = await TestKafka.StartAsync(partitions: 2);
        var context = HostContext(kafka, "host-test", ("PIPELINE__PROCESSING__ALLOWEDLATENESSMS", "0"));
        var t0 = Us("2025-03-14T09:26:00Z");
        var trades = new[]
        {
            Trade(1, "100.10", "0.5", t0 + 1_000_000, origin: Origin.Import),
            Trade(2, "100.50", "0.25", t0 + 10_000_000, origin: Origin.Import),
            Trade(3, "99.90", "1.000", t0 + 59_000_000, origin: Origin.Import),
            Trade(4, "101", "0.01", t0 + 65_000_000, origin: Origin.Import),
        };
        await ProduceRawTradesAsync(kafka, "host-test", trades);
        using (var producer = new ProducerBuilder<byte[]?, byte[]?>(kafka.Settings.Producer("host-test")).Build())
        {
            await producer.ProduceAsync(
                TopicCatalog.RawTrades.Name,
                new Message<byte[]?, byte[]?> { Key = null, Value = [0xFF, 0x00, 0x13] }
            );
        }

        using var stop = new CancellationTokenSource();
        var role = Task.Run(() => ProcessorRole.RunAsync(context, stop.Token));
        using var finals = new TopicReader<Candle>(kafka.Settings, TopicCatalog.FinalCandles.Name);
        using var dead = new TopicReader<DeadLetter>(kafka.Settings, TopicCatalog.DeadLetters.Name);
        using var valid = new TopicReader<Trade>(kafka.Settings, TopicCatalog.ValidTrades.Name);
        try
        {
            var got = await Eventually.GetAsync(
                async () =>
                {
                    if (role.IsFaulted)
                        throw role.Exception!;
                    return (await finals.PollAsync()).Where(c => c.Interval == "1m").ToList();
                },
                l => l.Count >= 1,
                TimeSpan.FromSeconds(60),
                "the final 1m candle"
            );
            var c = Assert.Single(got);
            Assert.Equal(t0, c.OpenTimeUs);
            Assert.Equal(D("100.10"), c.Open.ToDecimal());
            Assert.Equal(D("100.50"), c.High.ToDecimal());
            Assert.Equal(D("99.90"), c.Low.ToDecimal());
            Assert.Equal(D("99.90"), c.Close.ToDecimal());
            Assert.Equal(D("1.750"), c.Volume.ToDecimal());
            Assert.Equal(3, c.TradeCount);

            var dl = await Eventually.GetAsync(dead.PollAsync, l => l.Count >= 1, TimeSpan.FromSeconds(30), "the dead letter");
            Assert.Equal("malformed", Assert.Single(dl).ReasonCode);
            var v = await Eventually.GetAsync(valid.PollAsync, l => l.Count >= 4, TimeSpan.FromSeconds(30), "the valid trades");
            Assert.Equal([1L, 2, 3, 4], v.Select(t => t.TradeId).Order());
        }
        finally
        {
            stop.Cancel();
            await role.ContinueWith(_ => { });
        }
        // Graceful shutdown: the role ends without an error once cancelled.
        Assert.False(role.IsFaulted, role.Exception?.ToString());
    }

    [Fact]
    public async Task A_caught_up_processor_commits_its_output_long_before_the_commit_interval()
    {
        // Guards the caught-up commit (issue 12's live latency): with nothing more fetched, the open transaction commits
        // once it is CaughtUpCommitIntervalMs old. The interval here is 60 s (the most it may be), so without it the valid
        // trade would stay invisible to read_committed readers past this test's 30 s wait.
        await using var kafka = await TestKafka.StartAsync(partitions: 1);
        var context = HostContext(
            kafka,
            "caught-up-test",
            ("PIPELINE__PROCESSING__COMMITINTERVALMS", "60000"),
            ("PIPELINE__PROCESSING__CAUGHTUPCOMMITINTERVALMS", "10")
        );
        var trade = Trade(1, "100.10", "0.5", Us("2025-03-14T09:26:01Z"), origin: Origin.Import);
        await ProduceRawTradesAsync(kafka, "caught-up-test", [trade]);
        using var stop = new CancellationTokenSource();
        var role = Task.Run(() => ProcessorRole.RunAsync(context, stop.Token));
        using var valid = new TopicReader<Trade>(kafka.Settings, TopicCatalog.ValidTrades.Name);
        try
        {
            var v = await Eventually.GetAsync(
                async () => role.IsFaulted ? throw role.Exception! : await valid.PollAsync(),
                l => l.Count >= 1,
                TimeSpan.FromSeconds(30),
                "the valid trade, committed while the 60 s commit interval runs"
            );
            Assert.Equal(1L, Assert.Single(v).TradeId);
        }
        finally
        {
            stop.Cancel();
            await role.ContinueWith(_ => { });
        }
    }

    [Fact]
    public async Task A_restarted_host_closes_a_silent_live_candle_by_the_wall_clock_once_it_has_read_its_trades_to_the_end()
    {
        // Regression (issue 10, session 5): after a restart a silent instrument's last live candle waited for its next
        // trade. The restarted host reads the real-time delay from the changelog and closes the candle by the clock when
        // its consumer reaches the end of the trades partition (partition EOF).
        await using var kafka = await TestKafka.StartAsync(partitions: 2);
        var context = HostContext(kafka, "clock-test", ("PIPELINE__PROCESSING__ALLOWEDLATENESSMS", "2000"));
        var clock = new ManualClock(WallClockCloseTests.Noon);
        await ProduceRawTradesAsync(
            kafka,
            "clock-test",
            [WallClockCloseTests.LiveTrade(clock, 1, "100", "1"), WallClockCloseTests.LiveTrade(clock, 2, "103", "2")]
        );
        using var valid = new TopicReader<Trade>(kafka.Settings, TopicCatalog.ValidTrades.Name);
        using var finals = new TopicReader<Candle>(kafka.Settings, TopicCatalog.FinalCandles.Name);
        using (var stop = new CancellationTokenSource())
        {
            var first = new ProcessorHost(context, clock).RunAsync(stop.Token);
            await Eventually.GetAsync(
                async () => first.IsFaulted ? throw first.Exception! : await valid.PollAsync(),
                l => l.Count >= 2,
                TimeSpan.FromSeconds(60),
                "the first run to commit both trades"
            );
            stop.Cancel();
            await first;
        }
        // Past the minute's end + lateness + the feed's 60 ms delay: only the wall clock can close it now.
        clock.Advance(TimeSpan.FromMinutes(2));
        using (var stop = new CancellationTokenSource())
        {
            var second = new ProcessorHost(context, clock).RunAsync(stop.Token);
            try
            {
                var got = await Eventually.GetAsync(
                    async () =>
                        second.IsFaulted ? throw second.Exception! : (await finals.PollAsync()).Where(c => c.Interval == "1m").ToList(),
                    l => l.Count >= 1,
                    TimeSpan.FromSeconds(60),
                    "the restarted host to close the silent minute by the clock"
                );
                var c = Assert.Single(got);
                Assert.Equal(Us("2026-11-30T12:00:00Z"), c.OpenTimeUs);
                Assert.Equal(
                    (100m, 103m, 3m, 2L, 0),
                    (c.Open.ToDecimal(), c.Close.ToDecimal(), c.Volume.ToDecimal(), c.TradeCount, c.Revision)
                );
            }
            finally
            {
                stop.Cancel();
                await second.ContinueWith(_ => { });
            }
        }
    }

    [Fact]
    public async Task A_trade_written_by_a_newer_contracts_version_is_dead_lettered_while_the_trades_around_it_go_on()
    {
        // Guards the review's finding that the pipeline.schema-version header was written but never checked: a record of a
        // newer, breaking contracts version would have been misparsed instead of set aside with its reason.
        await using var kafka = await TestKafka.StartAsync(partitions: 1);
        var context = HostContext(kafka, "schema-version-test");
        var t0 = Us("2025-03-14T09:26:00Z");
        using (var producer = new ProducerBuilder<byte[]?, byte[]?>(kafka.Settings.Producer("schema-version-test")).Build())
        {
            foreach (var (id, version) in new[] { (1L, "1"), (2L, "2"), (3L, (string?)null) })
            {
                var t = Trade(id, "100", "1", t0 + id * 1_000_000, origin: Origin.Import);
                var headers = MessageHeaders.For<Trade>();
                if (version is null)
                    headers.Remove(MessageHeaders.SchemaVersion);
                else
                {
                    headers.Remove(MessageHeaders.SchemaVersion);
                    headers.Add(MessageHeaders.SchemaVersion, System.Text.Encoding.UTF8.GetBytes(version));
                }
                await producer.ProduceAsync(
                    TopicCatalog.RawTrades.Name,
                    new Message<byte[]?, byte[]?>
                    {
                        Key = System.Text.Encoding.UTF8.GetBytes(t.Instrument.Key),
                        Value = t.ToByteArray(),
                        Headers = headers,
                    }
                );
            }
        }

        using var stop = new CancellationTokenSource();
        var role = Task.Run(() => ProcessorRole.RunAsync(context, stop.Token));
        using var dead = new TopicReader<DeadLetter>(kafka.Settings, TopicCatalog.DeadLetters.Name);
        using var valid = new TopicReader<Trade>(kafka.Settings, TopicCatalog.ValidTrades.Name);
        try
        {
            var dl = await Eventually.GetAsync(
                async () =>
                {
                    if (role.IsFaulted)
                        throw role.Exception!;
                    return await dead.PollAsync();
                },
                l => l.Count >= 1,
                TimeSpan.FromSeconds(60),
                "the dead letter"
            );
            Assert.Equal("unsupported_schema_version", Assert.Single(dl).ReasonCode);
            // Version 1 and a record without the header (a user's own producer) are read as the current version.
            var v = await Eventually.GetAsync(valid.PollAsync, l => l.Count >= 2, TimeSpan.FromSeconds(30), "the valid trades");
            Assert.Equal([1L, 3], v.Select(t => t.TradeId).Order());
        }
        finally
        {
            stop.Cancel();
            await role.ContinueWith(_ => { });
        }
    }

    [Fact]
    public async Task Processor_refuses_to_start_when_a_changelog_has_fewer_partitions_than_its_input()
    {
        LibrdkafkaLoader.EnsureLoaded();
        await using var broker = await Pipeline.Broker.KafkaBroker.StartAsync(
            new Pipeline.Broker.BrokerOptions { Port = 0, DataDir = TestDirectories.Create("layout-broker") }
        );
        var settings = new KafkaClientSettings(broker.BootstrapServers);
        await TopicProvisioner.EnsureTopicsAsync(
            settings,
            4,
            1,
            NullLogger.Instance,
            TopicCatalog.All.Where(t => t != TopicCatalog.AggregatorState)
        );
        await TopicProvisioner.EnsureTopicsAsync(settings, 2, 1, NullLogger.Instance, [TopicCatalog.AggregatorState]);
        var options = PipelineConfiguration.Load(file: null, environment: new Dictionary<string, string?>());
        var context = new PipelineContext(options, settings, null, NullLoggerFactory.Instance);

        var e = await Assert.ThrowsAsync<PipelineConfigurationException>(() => ProcessorRole.RunAsync(context, CancellationToken.None));
        Assert.Contains("state.candles.changelog has 2 partitions", e.Message);
        Assert.Contains("at least 4", e.Message);
    }
}
