// The archive through an S3 outage (TCP proxy cut): it holds its segments, says so on readiness and on the
// pipeline_archive_held_records gauge, writes nothing meanwhile, and archives every record once when S3 is back.
// Alone in its collection: ArchiveStatus is per process, and other tests' archives would report into it in parallel.
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Cli;
using Pipeline.Plumbing.Health;
using Pipeline.Plumbing.Topics;
using Pipeline.Testing;
using static Pipeline.Archive.Tests.ArchiveRecords;

namespace Pipeline.Archive.Tests;

[Collection(ArchiveStatusCollection.Name)]
public sealed class ArchiveOutageTests
{
    [Fact]
    public async Task Archive_holds_its_segments_through_an_s3_outage_reports_not_ready_and_archives_them_once_afterwards()
    {
        await using var kafka = await TestKafka.StartAsync(partitions: 2);
        var gateway = await TestS3.SharedAsync();
        var direct = await gateway.CreateBucketAsync("outage");
        await using var proxy = new TcpProxy("127.0.0.1", gateway.Port);
        var viaProxy = gateway.Options(direct.Bucket!, direct.Prefix);
        viaProxy.Endpoint = $"http://127.0.0.1:{proxy.Port}";
        var first = Produce(kafka.Settings, TopicCatalog.ValidTrades.Name, Trades(1000), t => t.Instrument.Key);

        await using var archive = RunningArchive.Start(kafka.Settings, viaProxy);
        await Eventually.TrueAsync(
            () => ArchiveProgress.CoversAsync(direct, ArchiveDataset.All[0], ArchiveProgress.Ends(first, 2)),
            TimeSpan.FromSeconds(60),
            "the first trades archived"
        );
        Assert.Null(ArchiveStatus.NotReadyReason());

        proxy.Cut();
        var manifestsBefore = await ArchiveProgress.ManifestCountAsync(direct);
        var second = Produce(
            kafka.Settings,
            TopicCatalog.ValidTrades.Name,
            Trades(2000)
                .Skip(1000)
                .Select(t =>
                {
                    t.TradeId += 1_000_000;
                    return t;
                }),
            t => t.Instrument.Key
        );
        var reason = await Eventually.GetAsync(
            () => Task.FromResult(ArchiveStatus.NotReadyReason()),
            r => r is not null,
            TimeSpan.FromSeconds(60),
            "the archive to report it is holding data"
        );
        // What readiness says: how much is held and since when S3 fails, here and on the process's /ready.
        var held = Regex.Match(reason!, @"^archive holding (\d+) records \(.*trades (\d+).*\), S3 unreachable since (\S+) \(");
        Assert.True(held.Success, reason);
        Assert.InRange(long.Parse(held.Groups[2].Value), 1, second.Count);
        Assert.InRange(
            DateTime.Parse(held.Groups[3].Value, null, System.Globalization.DateTimeStyles.AdjustToUniversal),
            DateTime.UtcNow.AddMinutes(-2),
            DateTime.UtcNow
        );
        Assert.Contains(RoleReadiness.Problems(), p => p.StartsWith("archive holding "));
        var port = FreePort();
        await using var metrics = await MetricsServer.StartAsync(port, NullLogger.Instance, CancellationToken.None);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        using (var notReady = await http.GetAsync("/ready"))
        {
            Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, notReady.StatusCode);
            Assert.Contains("S3 unreachable since", await notReady.Content.ReadAsStringAsync());
        }
        // The gauge operators alert on: held records of the trades dataset, scraped from the process's /metrics.
        var heldWhileDown = await Eventually.GetAsync(
            () => HeldRecordsAsync(http),
            n => n > 0,
            TimeSpan.FromSeconds(30),
            "pipeline_archive_held_records > 0 on /metrics"
        );
        Assert.InRange(heldWhileDown!.Value, 1, second.Count);
        // Several retries while S3 stays unreachable, and nothing written meanwhile.
        await Eventually.TrueAsync(
            () => Task.FromResult(ArchiveStatus.Snapshot()["trades"].State == ArchiveState.Holding),
            what: "still holding"
        );
        Assert.Equal(manifestsBefore, await ArchiveProgress.ManifestCountAsync(direct));
        Assert.False(archive.Task.IsCompleted, "the archive kept running through the outage");
        proxy.Restore();

        var all = first.Concat(second).ToList();
        await Eventually.TrueAsync(
            () => ArchiveProgress.CoversAsync(direct, ArchiveDataset.All[0], ArchiveProgress.Ends(all, 2)),
            TimeSpan.FromSeconds(60),
            "every trade archived after the outage"
        );
        await Eventually.TrueAsync(() => Task.FromResult(ArchiveStatus.NotReadyReason() is null), what: "ready again");
        Assert.DoesNotContain(RoleReadiness.Problems(), p => p.StartsWith("archive holding "));
        await Eventually.TrueAsync(
            async () => await HeldRecordsAsync(http) == 0,
            TimeSpan.FromSeconds(30),
            "pipeline_archive_held_records back to 0"
        );
        using (var ready = await http.GetAsync("/ready"))
            Assert.Equal(System.Net.HttpStatusCode.OK, ready.StatusCode);
        Assert.Empty((await ArchiveProgress.VerifyAsync(direct, ArchiveDataset.All[0], 2)).Problems);
        ArchiveExactlyOnceTests.AssertArchivedOnce(await ArchiveReadBack.DownloadAsync(direct), "outage", all);
    }

    /// <summary>The value of pipeline_archive_held_records{dataset="trades"} in the Prometheus text, or null when absent.</summary>
    private static async Task<long?> HeldRecordsAsync(HttpClient http)
    {
        var text = await http.GetStringAsync("/metrics");
        var line = text.Split('\n')
            .FirstOrDefault(l =>
                l.StartsWith("pipeline_archive_held_records", StringComparison.Ordinal)
                && l.Contains("dataset=\"trades\"", StringComparison.Ordinal)
            );
        return line is null
            ? null
            : (long)double.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static int FreePort()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
