// `pipeline replay` as users run it (issue 13): each kind of bad input is one line naming the fault with a non-zero
// exit: range, instrument, interval, name, indicator, existing version, no data.
using System.Text;
using Confluent.Kafka;
using Google.Protobuf;
using Pipeline.Plumbing.Topics;
using Pipeline.Schemas.V1;
using Pipeline.Testing;

namespace Pipeline.Foundation.Tests;

public class ReplayCliTests
{
    private static Task<ProcessResult> RunAsync(string? bootstrap, params string[] args) =>
        ChildProcess.RunAsync(
            "pipeline.dll",
            ["replay", .. args],
            new Dictionary<string, string?>
            {
                ["PIPELINE__KAFKA__BOOTSTRAP"] = bootstrap ?? $"127.0.0.1:{Pipeline.Embedded.FreePort.Next()}",
                // The version sink stage needs a database; every case here must be answered before it is reached.
                ["PIPELINE__DATABASE__URL"] = $"postgres://postgres@127.0.0.1:{Pipeline.Embedded.FreePort.Next()}/pipeline",
            },
            TestDirectories.Create("cli-replay"),
            TimeSpan.FromSeconds(90)
        );

    private static void AssertOneLine(int exit, string stderr, string mentions)
    {
        Assert.NotEqual(0, exit);
        var lines = stderr
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => l.StartsWith("error:"))
            .ToList();
        Assert.True(lines.Count == 1, $"expected one error line, got:\n{stderr}");
        Assert.Contains(mentions, lines[0]);
        Assert.DoesNotContain("   at ", stderr);
    }

    [Theory]
    [InlineData("--from 2025-01-02 --to 2025-01-01 --into v2", "is not before --to")]
    [InlineData("--from 2025-01-01 --into v2 --instrument binance:DOGE/USDT:spot", "unknown instrument 'binance:DOGE/USDT:spot'")]
    [InlineData("--from 2025-01-01 --into v2 --interval 7m", "unknown interval '7m'")]
    [InlineData("--from 2025-01-01 --into V2", "'V2' is not a valid version name")]
    [InlineData("--from 2025-01-01 --into live", "'live' is the live processors' version")]
    [InlineData("--from 2025-01-01 --into v2 --indicator rsi:0", "period 0")]
    [InlineData("--from soon --into v2", "--from 'soon' is not a date")]
    public async Task Bad_replay_arguments_are_one_line_before_any_connection(string args, string mentions)
    {
        // The broker address leads nowhere: the line must come from the arguments, not from a failed connection.
        var (exit, _, err) = await RunAsync(null, args.Split(' '));
        AssertOneLine(exit, err, mentions);
    }

    [Fact]
    public async Task A_replayed_version_exists_for_the_cli_and_a_range_without_data_is_refused()
    {
        await using var kafka = await TestKafka.StartAsync(partitions: 2);
        var btc = InstrumentRef.Create("binance", "BTC", "USDT", MarketType.Spot);
        var t0 = DateTimeOffset.Parse("2025-02-03T00:00:00Z").ToUnixTimeMilliseconds() * 1000;
        using (var producer = new ProducerBuilder<byte[], byte[]>(kafka.Settings.Producer("cli-replay")).Build())
        {
            for (var i = 0; i < 600; i++)
                producer.Produce(
                    TopicCatalog.ValidTrades.Name,
                    new Message<byte[], byte[]>
                    {
                        Key = Encoding.UTF8.GetBytes(btc.Key),
                        Value = new Trade
                        {
                            Instrument = btc,
                            TradeId = i,
                            Price = Schemas.V1.Decimal.From(100m + i % 7),
                            Size = Schemas.V1.Decimal.From(0.5m),
                            Aggressor = AggressorSide.Buy,
                            EventTimeUs = t0 + i * 1_000_000L,
                            ReceiveTimeUs = t0 + i * 1_000_000L,
                            Origin = Origin.Backfill,
                        }.ToByteArray(),
                    }
                );
            producer.Flush(TimeSpan.FromSeconds(30));
        }
        string[] replay = ["--from", "2025-02-03T00:00:00Z", "--to", "2025-02-03T00:10:00Z", "--into", "cli-v1", "--interval", "1m"];

        // The version is replayed through the engine (the CLI's full run with its PostgreSQL stage is tested end to end).
        var options = Pipeline.Plumbing.Configuration.PipelineConfiguration.Load(
            file: null,
            environment: new Dictionary<string, string?>()
        );
        var job = await Pipeline.Processors.Replay.ReplayJob.PlanAsync(
            kafka.Settings,
            new Pipeline.Processors.Replay.ReplayRequest
            {
                Version = Pipeline.Schemas.DataVersion.Parse("cli-v1"),
                FromUs = t0,
                ToUs = t0 + 600_000_000L,
                Intervals = ["1m"],
                Processing = options.Processing,
            },
            options.Instruments.Select(i => i.ToInstrumentRef().Key).ToList(),
            Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance
        );
        Assert.True((await job.RunAsync(null, CancellationToken.None)).Complete);

        // The same name again (even the same request: it is complete), and a different request for it.
        var (exit, _, err) = await RunAsync(kafka.BootstrapServers, replay);
        AssertOneLine(exit, err, "version cli-v1 exists");
        (exit, _, err) = await RunAsync(kafka.BootstrapServers, [.. replay, "--indicator", "rsi:21"]);
        AssertOneLine(exit, err, "version cli-v1 exists");

        // trades.raw holds nothing: a revalidating replay has no data to read.
        (exit, _, err) = await RunAsync(kafka.BootstrapServers, "--from", "2025-02-03", "--into", "cli-v2", "--revalidate");
        AssertOneLine(exit, err, "no data");
    }
}
