// Republishing archived trades into a replay version's input topic (replay.<V>.trades): the range's trades once, in exchange-time
// order per instrument on one partition each, end-of-input marks last; a kill -9 mid-run and a rerun add no duplicate.
using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Cli.Commands;
using Pipeline.Plumbing.Configuration;
using Pipeline.Plumbing.Kafka;
using Pipeline.Plumbing.ObjectStorage;
using Pipeline.Plumbing.Serialization;
using Pipeline.Plumbing.Topics;
using Pipeline.Schemas.V1;
using Pipeline.Testing;
using static Pipeline.Archive.Tests.ArchiveRecords;

namespace Pipeline.Archive.Tests;

public sealed class ArchiveRepublishTests
{
    private const long Hour = 3_600_000_000;

    [Fact]
    public async Task Republish_killed_mid_run_and_rerun_writes_each_archived_trade_of_the_range_once_in_time_order_with_marks_last()
    {
        await using var kafka = await TestKafka.StartAsync(partitions: 3);
        var s3 = await (await TestS3.SharedAsync()).CreateBucketAsync("repub");
        // trades.valid is in arrival order, not exchange-time order: shuffle so the republished order has to be made.
        var random = new Random(13);
        var trades = Produce(
            kafka.Settings,
            TopicCatalog.ValidTrades.Name,
            Trades(20_000).OrderBy(_ => random.Next()),
            t => t.Instrument.Key
        );
        await using (RunningArchive.Start(kafka.Settings, s3))
            await Eventually.TrueAsync(
                () => ArchiveProgress.CoversAsync(s3, ArchiveDataset.All[0], ArchiveProgress.Ends(trades, 3)),
                TimeSpan.FromSeconds(90),
                "trades archived"
            );

        long from = Day + 6 * Hour,
            to = Day + 42 * Hour;
        var version = "fromarch";
        var topic = $"replay.{version}.trades";
        var args = new[]
        {
            "archive",
            "republish",
            "--from-archive",
            $"s3://{s3.Bucket}/{s3.Prefix}",
            "--from",
            Iso(from),
            "--to",
            Iso(to),
            "--into",
            version,
            "--transaction-records",
            "50",
        };
        var env = Environment(kafka, s3);
        var log = Path.Combine(TestDirectories.Create("republish"), "republish.log");
        // The first run kills itself (SIGKILL) halfway through its fourth transaction, records sent and the transaction
        // open: a crash at a named point, not an outside kill racing the run (on a quiet machine the whole range was
        // republished before a polling kill landed; failed in CI).
        var crashEnv = new Dictionary<string, string?>(env) { ["PIPELINE_TEST_REPUBLISH_KILL_AFTER_COMMITS"] = "3" };
        using (var first = ChildProcess.Start("pipeline.dll", args, crashEnv, log))
        {
            await first.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(120)).Token);
            Assert.NotEqual(0, first.ExitCode);
        }
        var atKill = TopicReader.Committed(kafka.Settings, $"replay-{version}-archive", topic, 0);
        Assert.Equal((long?)150, atKill); // three transactions of 50 committed; the fourth was open when the process died
        var expected = trades.Select(t => t.Record).Where(t => t.EventTimeUs >= from && t.EventTimeUs < to).ToList();
        Assert.True(atKill < expected.Count, $"killed after {atKill} of {expected.Count} records: the kill came too late to test a resume");

        using (var second = ChildProcess.Start("pipeline.dll", args, env, log))
        {
            await second.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(120)).Token);
            Assert.True(second.ExitCode == 0, string.Join("\n", second.Output));
        }

        var records = TopicReader.ReadAll(kafka.Settings, topic);
        var got = records
            .Where(r => MessageHeaders.TypeOf(r.Message.Headers) == Trade.Descriptor.FullName)
            .Select(r => (r.Partition.Value, Key: Encoding.UTF8.GetString(r.Message.Key!), Trade: Trade.Parser.ParseFrom(r.Message.Value)))
            .ToList();
        // Once each: the same trades as trades.valid in the range (values compared as numbers; the archive keeps no trailing zeros).
        Assert.Equal(expected.Count, got.Count);
        Assert.Equal(expected.Select(Identity).Order(), got.Select(g => Identity(g.Trade)).Order());
        Assert.All(got, g => Assert.Equal(g.Key, g.Trade.Instrument.Key));
        // One partition per instrument, exchange-time order within it, the mark after the instrument's last trade.
        foreach (var instrument in got.GroupBy(g => g.Key))
        {
            var partition = Assert.Single(instrument.Select(g => g.Value).Distinct());
            var inPartition = records
                .Where(r => r.Partition.Value == partition && Encoding.UTF8.GetString(r.Message.Key!) == instrument.Key)
                .ToList();
            var times = inPartition.SkipLast(1).Select(r => Trade.Parser.ParseFrom(r.Message.Value).EventTimeUs).ToList();
            Assert.Equal(times.Order(), times);
            var mark = inPartition[^1];
            Assert.Equal(MessageHeaders.EndOfInputMark, MessageHeaders.TypeOf(mark.Message.Headers));
            var end = EndOfInput.Parser.ParseFrom(mark.Message.Value);
            Assert.Equal((instrument.Key, to), (end.Instrument.Key, end.ThroughTimeUs));
        }
        Assert.Equal(2, records.Count(r => MessageHeaders.TypeOf(r.Message.Headers) == MessageHeaders.EndOfInputMark));
        Assert.Equal(await PartitionsOf(kafka.Settings, TopicCatalog.RawTrades.Name), await PartitionsOf(kafka.Settings, topic));

        // A third run finds everything committed and writes nothing.
        using var client = S3ClientFactory.Create(s3);
        var again = await new ArchiveRepublisher(
            new ArchiveStore(client, s3.Bucket!, long.MaxValue),
            new ArchiveLayout(s3.Prefix),
            kafka.Settings,
            NullLogger.Instance
        ).RunAsync(ArchiveRepublishCommand.Request(Iso(from), Iso(to), version, null), 3, 1, null, CancellationToken.None);
        Assert.Equal((0L, 0), (again.Trades, again.Marks));
        Assert.Equal(records.Count, TopicReader.ReadAll(kafka.Settings, topic).Count);
    }

    [Fact]
    public async Task Republish_of_a_range_the_archive_does_not_hold_says_so_in_one_line()
    {
        await using var kafka = await TestKafka.StartAsync(partitions: 1);
        var s3 = await (await TestS3.SharedAsync()).CreateBucketAsync("repub-empty");
        var run = ChildProcess.Start(
            "pipeline.dll",
            [
                "archive",
                "republish",
                "--from-archive",
                $"s3://{s3.Bucket}/{s3.Prefix}",
                "--from",
                "2020-01-01",
                "--to",
                "2020-01-02",
                "--into",
                "v9",
            ],
            Environment(kafka, s3)
        );
        await run.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);
        Assert.Equal(2, run.ExitCode); // an InvalidRequestException: the request cannot be done as asked
        Assert.Contains(run.Output, l => l.StartsWith("error: the archive s3://") && l.Contains("has no trades from 2020-01-01"));
        Assert.DoesNotContain(run.Output, l => l.Contains("   at "));

        var bad = ChildProcess.Start(
            "pipeline.dll",
            ["archive", "republish", "--from-archive", "bucket/x", "--from", "2020-01-02", "--to", "2020-01-01", "--into", "Live!"],
            Environment(kafka, s3)
        );
        await bad.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains(bad.Output, l => l.StartsWith("error: --into: 'Live!' is not a valid version name"));
    }

    private static string Identity(Trade t) =>
        $"{t.Instrument.Key}|{t.TradeId}|{t.Price.ToDecimal() / 1.000000000000000000000000000m}"
        + $"|{t.Size.ToDecimal() / 1.000000000000000000000000000m}"
        + $"|{t.Aggressor}|{t.EventTimeUs}|{t.ReceiveTimeUs}|{t.Origin}|{t.VenueSymbol}";

    private static string Iso(long us) => DateTime.UnixEpoch.AddTicks(us * 10).ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ");

    private static Dictionary<string, string?> Environment(TestKafka kafka, S3Options s3) =>
        new()
        {
            ["PIPELINE__KAFKA__BOOTSTRAP"] = kafka.BootstrapServers,
            ["PIPELINE__S3__ENDPOINT"] = s3.Endpoint,
            ["PIPELINE__S3__ACCESSKEY"] = s3.AccessKey,
            ["PIPELINE__S3__SECRETKEY"] = s3.SecretKey,
        };

    private static Task<int> PartitionsOf(KafkaClientSettings kafka, string topic)
    {
        using var admin = new AdminClientBuilder(kafka.Admin("archive-tests-admin")).Build();
        return Task.FromResult(admin.GetMetadata(topic, TimeSpan.FromSeconds(30)).Topics.Single().Partitions.Count);
    }
}
