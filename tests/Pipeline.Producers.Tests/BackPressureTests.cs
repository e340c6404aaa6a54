using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Plumbing.Configuration;
using Pipeline.Plumbing.Kafka;
using Pipeline.Producers.Connectors;
using Pipeline.Producers.Publishing;
using Pipeline.Producers.Venues;
using Pipeline.Schemas.V1;
using Pipeline.Testing;
using Xunit;

namespace Pipeline.Producers.Tests;

/// <summary>When Kafka cannot keep up, the connectors stop reading instead of buffering without bound.</summary>
public sealed class BackPressureTests
{
    [Fact]
    public async Task A_stalled_kafka_fills_the_bounded_queue_and_the_connection_stops_reading()
    {
        const int queueCapacity = 500;
        const int kafkaQueue = 100;
        long sent = 0;
        await using var server = await FakeExchangeServer.StartAsync(async socket =>
        {
            await socket.ReceiveAsync();
            // Far more than fits anywhere: a venue pushing faster than Kafka accepts.
            for (var id = 1; id <= 200_000; id++)
            {
                await socket.SendAsync(
                    $$"""{"type":"match","trade_id":{{id}}"""
                        + ""","side":"sell","size":"0.5","price":"60000.01","product_id":"BTC-USD","time":"2025-01-01"""
                        + """T00:00:00.000001Z"}"""
                );
                Interlocked.Increment(ref sent);
            }
            await socket.HoldAsync();
        });

        // A broker that never answers: nothing is ever acknowledged, so the Kafka client's queue fills after 100 records.
        var deadBroker = new KafkaClientSettings($"127.0.0.1:{FreeTcpPort()}");
        using var publisher = new TopicPublisher(
            deadBroker,
            "test-stalled",
            NullLogger.Instance,
            new Dictionary<string, string> { ["queue.buffering.max.messages"] = kafkaQueue.ToString() }
        )
        {
            DisposeFlushTimeout = TimeSpan.Zero,
        };
        var listing = new VenueListing(InstrumentRef.Create("coinbase", "BTC", "USD", MarketType.Spot), "BTC-USD", ["1m"]);
        var options = new ConnectionOptions { QueueCapacity = queueCapacity, HeartbeatTimeout = TimeSpan.FromMinutes(5) };
        using var feed = new LiveFeed(
            [listing],
            options,
            NullLoggerFactory.Instance,
            _ => new VenueEndpoints(server.WebSocketBase, server.RestBase)
        );
        using var stop = new CancellationTokenSource();
        var run = feed.RunAsync(publisher, stop.Token);
        var connection = feed.Connections.Single();

        await Eventually.TrueAsync(
            () => Task.FromResult(feed.Queue.Count == queueCapacity && publisher.QueueFullWaits > 0 && feed.Queue.FullEvents > 0),
            TimeSpan.FromSeconds(30),
            "the record queue to fill up"
        );
        var taken = connection.Stats.Trades;
        // The venue keeps offering frames until TCP flow control stops it too; the connection takes none of them.
        await Eventually.TrueAsync(
            async () =>
            {
                await Task.Yield();
                return Interlocked.Read(ref sent) > taken + 1000;
            },
            TimeSpan.FromSeconds(30),
            "the venue to have offered more than the pipeline holds"
        );

        // Held at most: the queue, the Kafka client's queue, the one record the writer is retrying, the one the connection waits to
        // enqueue.
        Assert.InRange(connection.Stats.Trades, 0, queueCapacity + kafkaQueue + 2);
        Assert.Equal(taken, connection.Stats.Trades);
        Assert.Equal(queueCapacity, feed.Queue.HighWater);
        Assert.Equal(kafkaQueue, publisher.Produced);
        stop.Cancel();
        await run;
    }

    private static int FreeTcpPort()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
