// Runs a live feed against a fake exchange server into a test Kafka until enough trades are in trades.raw: the setup
// the connector tests share (gap backfill, resilience, each venue's drop test).
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Plumbing.Configuration;
using Pipeline.Plumbing.Topics;
using Pipeline.Producers.Connectors;
using Pipeline.Producers.Publishing;
using Pipeline.Producers.Venues;
using Pipeline.Schemas.V1;
using Pipeline.Testing;
using Xunit;

namespace Pipeline.Producers.Tests;

internal static class LiveFeedRun
{
    /// <summary>Reconnects within milliseconds and a heartbeat no test waits for: a drop is noticed and healed at once.</summary>
    public static readonly ConnectionOptions Fast = new()
    {
        ReconnectBaseDelay = TimeSpan.FromMilliseconds(50),
        ReconnectMaxDelay = TimeSpan.FromMilliseconds(200),
        HeartbeatTimeout = TimeSpan.FromSeconds(20),
        PingInterval = TimeSpan.FromSeconds(20),
        RestRequestsPerSecond = 50,
        ConnectsPerSecond = 50,
    };

    /// <summary>Runs the feed until <paramref name="expected"/> trades are in trades.raw (and <paramref name="until"/> holds),
    /// then until its queue is drained, so a duplicate record would be read too. Asserts the server saw no fault.</summary>
    /// <param name="delivered">Completed once <paramref name="deliveredCount"/> trades are in Kafka: a script waits on it
    /// before dropping the socket, because a TCP reset discards frames the client has not read yet.</param>
    public static async Task<(List<Trade> Trades, LiveFeed Feed)> RunAsync(
        FakeExchangeServer server,
        VenueListing[] listings,
        int expected,
        RecordingLoggerFactory? logs = null,
        ConnectionOptions? options = null,
        Func<LiveFeed, bool>? until = null,
        TaskCompletionSource? delivered = null,
        int deliveredCount = 0
    )
    {
        logs ??= new RecordingLoggerFactory();
        await using var kafka = await TestKafka.StartAsync(partitions: 1);
        using var publisher = new TopicPublisher(kafka.Settings, "test-live", NullLogger.Instance);
        var feed = new LiveFeed(listings, options ?? Fast, logs, _ => new VenueEndpoints(server.WebSocketBase, server.RestBase));
        using var stop = new CancellationTokenSource();
        var run = feed.RunAsync(publisher, stop.Token);
        using var reader = new TopicReader<Trade>(kafka.Settings, TopicCatalog.RawTrades.Name);
        try
        {
            await Eventually.TrueAsync(
                () =>
                {
                    var count = reader.Poll().Count;
                    if (count >= deliveredCount)
                        delivered?.TrySetResult();
                    return Task.FromResult(run.IsCompleted || (count >= expected && (until?.Invoke(feed) ?? true)));
                },
                TimeSpan.FromSeconds(60),
                $"{expected} trades in trades.raw"
            );
            if (run.IsFaulted)
                await run;
            // Everything queued so far is in Kafka once the queue is empty and the publisher has no record in flight.
            await Eventually.TrueAsync(
                () => Task.FromResult(feed.Queue.Count == 0 && publisher.Delivered == publisher.Produced),
                TimeSpan.FromSeconds(30),
                "queue drained"
            );
            reader.Poll();
        }
        catch (TimeoutException e)
        {
            var faults = string.Join("; ", server.Faults.Select(f => f.Message));
            var log = string.Join("\n", logs.Lines.Select(l => $"{l.Level}: {l.Message}"));
            throw new TimeoutException($"{e.Message}; {reader.Records.Count} read; server faults: {faults}; log:\n{log}", e);
        }
        finally
        {
            stop.Cancel();
            await run;
            feed.Dispose();
        }
        Assert.Empty(server.Faults);
        return (reader.Records.Select(r => r.Value).ToList(), feed);
    }

    /// <summary><see cref="RunAsync"/> for one listing: its trades and its connection.</summary>
    public static async Task<(List<Trade> Trades, ExchangeConnection Connection)> RunUntilAsync(
        FakeExchangeServer server,
        VenueListing listing,
        int expected,
        TaskCompletionSource? delivered = null,
        int deliveredCount = 0,
        ConnectionOptions? options = null
    )
    {
        var (trades, feed) = await RunAsync(
            server,
            [listing],
            expected,
            options: options,
            delivered: delivered,
            deliveredCount: deliveredCount
        );
        return (trades.Where(t => t.Instrument.Key == listing.Instrument.Key).ToList(), feed.Connections.Single());
    }
}
