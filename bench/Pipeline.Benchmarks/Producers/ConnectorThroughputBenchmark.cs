// Live connector throughput: a local venue pushing Coinbase match frames as fast as it can, through the
// connection (parse, gap check, bounded queue) into the embedded broker, against publishing prebuilt trades.
using System.Diagnostics;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Plumbing.Configuration;
using Pipeline.Producers;
using Pipeline.Producers.Connectors;
using Pipeline.Producers.Publishing;
using Pipeline.Producers.Venues;
using Pipeline.Producers.Venues.Coinbase;
using Pipeline.Schemas.V1;
using Pipeline.Testing;

namespace Pipeline.Benchmarks.Producers;

public sealed class ConnectorThroughputBenchmark : IBenchmark
{
    public string Name => "producers-live-connector";

    public async Task RunAsync(BenchmarkReport report, CancellationToken ct)
    {
        const int trades = 300_000;
        var frames = Enumerable
            .Range(1, trades)
            .Select(id =>
                // One line per frame, as Coinbase sends them; the raw string is wrapped only for reading.
                Encoding.UTF8.GetBytes(
                    $$"""
                    {"type":"match","trade_id":{{id}},"maker_order_id":"ac928c66-ca53-498f-9c13-a110027a60e8",
                    "taker_order_id":"132fb6ae-456b-4654-b4e0-d681ac05cea1","side":"sell","size":"0.0{{id % 1000 + 1:000}}",
                    "price":"9{{id % 10000:0000}}.{{id % 100:00}}","product_id":"BTC-USD","sequence":{{id}},
                    "time":"2025-01-01T00:00:00.{{id % 1_000_000:000000}}Z"}
                    """.ReplaceLineEndings("")
                )
            )
            .ToList();
        var listing = new VenueListing(InstrumentRef.Create("coinbase", "BTC", "USD", MarketType.Spot), "BTC-USD", ["1m"]);

        // Parsing alone.
        var protocol = new CoinbaseProtocol();
        var parsed = new ParsedFrame();
        var sw = Stopwatch.StartNew();
        foreach (var f in frames)
        {
            parsed.Clear();
            protocol.Parse(f, listing, 0, parsed);
        }
        report.Add("match frames parsed", trades / sw.Elapsed.TotalSeconds, "frames/s");

        await using var kafka = await TestKafka.StartAsync(partitions: 1);
        var prebuilt = frames
            .Select(f =>
            {
                parsed.Clear();
                protocol.Parse(f, listing, 0, parsed);
                return parsed.Trades[0];
            })
            .ToList();

        // A local venue: every connection gets the same frames (the connector drops repeats by trade id, so each
        // round starts a fresh feed to publish them all again).
        var port = FreePort();
        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        using var stopServing = new CancellationTokenSource();
        var serving = Task.Run(
            async () =>
            {
                while (!stopServing.IsCancellationRequested)
                {
                    var context = await listener.GetContextAsync();
                    var ws = (await context.AcceptWebSocketAsync(null)).WebSocket;
                    _ = Task.Run(
                        async () =>
                        {
                            var buffer = new byte[4096];
                            try
                            {
                                await ws.ReceiveAsync(buffer, ct); // the subscribe request
                                foreach (var f in frames)
                                    await ws.SendAsync(f, WebSocketMessageType.Text, true, ct);
                                await ws.ReceiveAsync(buffer, ct);
                            }
                            catch (WebSocketException) { }
                        },
                        ct
                    );
                }
            },
            ct
        );

        double baseline = 0,
            live = 0;
        // Alternating rounds, best of three each, so broker warm-up and JIT do not favour either side.
        for (var round = 0; round < 3; round++)
        {
            // Baseline: the same trades, prebuilt, through the same producer to the same broker.
            using (var publisher = new TopicPublisher(kafka.Settings, "bench-baseline", NullLogger.Instance))
            {
                sw.Restart();
                foreach (var t in prebuilt)
                    await publisher.PublishAsync(t, ct);
                await publisher.FlushAsync(ct);
                baseline = Math.Max(baseline, trades / sw.Elapsed.TotalSeconds);
            }
            using var livePublisher = new TopicPublisher(kafka.Settings, "bench-live", NullLogger.Instance);
            using var feed = new LiveFeed(
                [listing],
                new ConnectionOptions(),
                NullLoggerFactory.Instance,
                _ => new VenueEndpoints(new Uri($"ws://127.0.0.1:{port}/"), new Uri($"http://127.0.0.1:{port}/"))
            );
            using var stop = new CancellationTokenSource();
            sw.Restart();
            var run = feed.RunAsync(livePublisher, stop.Token);
            while (livePublisher.Produced < trades)
                await Task.Delay(5, ct);
            await livePublisher.FlushAsync(ct);
            live = Math.Max(live, trades / sw.Elapsed.TotalSeconds);
            stop.Cancel();
            await run;
        }
        report.Add("prebuilt live trades published", baseline, "trades/s");
        report.Add(
            "live frames to Kafka (WebSocket, parse, queue, publish)",
            live,
            "trades/s",
            baseline: "prebuilt live trades published",
            targetRatio: 0.8
        );
        stopServing.Cancel();
        listener.Stop();
        try
        {
            await serving;
        }
        catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or WebSocketException or OperationCanceledException)
        { }
    }

    private static int FreePort()
    {
        var l = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }
}
