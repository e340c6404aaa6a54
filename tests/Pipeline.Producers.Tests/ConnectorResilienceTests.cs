using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Plumbing.Topics;
using Pipeline.Producers.Connectors;
using Pipeline.Producers.Publishing;
using Pipeline.Producers.Venues;
using Pipeline.Schemas.V1;
using Pipeline.Testing;
using Xunit;
using static Pipeline.Producers.Tests.LiveFeedRun;

namespace Pipeline.Producers.Tests;

/// <summary>Connections survive bad frames, notice silent links, and fail one pair at a time.</summary>
public sealed class ConnectorResilienceTests
{
    private static string Match(string product, long id, string time = "2021-04-17T16:43:37.089723Z") =>
        $$"""
            {"type":"match","trade_id":{{id}},"maker_order_id":"a","taker_order_id":"b","side":"sell","size":"1.5",
            "price":"100.25","product_id":"{{product}}","sequence":{{id}},"time":"{{time}}"}
            """;

    private static VenueListing Coinbase(string @base) =>
        new(InstrumentRef.Create("coinbase", @base, "USD", MarketType.Spot), $"{@base}-USD", ["1m"]);

    [Fact]
    public async Task Malformed_frames_are_counted_and_logged_and_the_connection_is_kept()
    {
        await using var server = await FakeExchangeServer.StartAsync(async socket =>
        {
            await socket.ReceiveAsync();
            for (var id = 1; id <= 30; id++)
            {
                await socket.SendAsync(Match("BTC-USD", id));
                if (id % 10 == 0)
                {
                    await socket.SendAsync("""{"type":"match","trade_id":"#bad","price":"1"}""");
                    await socket.SendAsync("not json at all");
                }
            }
            await socket.HoldAsync();
        });
        var logs = new RecordingLoggerFactory();
        var (trades, feed) = await RunAsync(server, [Coinbase("BTC")], expected: 30, logs);
        var connection = feed.Connections.Single();
        Assert.Equal(Enumerable.Range(1, 30).Select(i => (long)i), trades.Select(t => t.TradeId));
        Assert.Equal(6, connection.Stats.MalformedFrames);
        Assert.Equal(1, connection.Stats.Connects);
        Assert.Equal(1, server.Connections);
        // Logged with the frame, the first five in full (then every 1000th, so a broken feed cannot flood the log).
        Assert.Equal(5, logs.Lines.Count(l => l.Level == LogLevel.Warning && l.Message.Contains("malformed coinbase frame")));
        Assert.Contains(logs.Lines, l => l.Message.Contains("not json at all"));
        Assert.Contains(logs.Lines, l => l.Message.Contains("field 'trade_id' is not an integer"));
    }

    [Fact]
    public async Task A_silent_connection_is_dropped_after_the_heartbeat_timeout_and_resubscribed()
    {
        var subscribes = 0;
        await using var server = await FakeExchangeServer.StartAsync(async socket =>
        {
            var subscribe = JsonNode.Parse(await socket.ReceiveAsync())!;
            if ((string)subscribe["type"]! == "subscribe")
                Interlocked.Increment(ref subscribes);
            if (socket.Number == 1)
            {
                await socket.SendAsync(Match("BTC-USD", 1));
                await socket.HoldAsync(); // then nothing at all: no data, no heartbeat
                return;
            }
            await socket.SendAsync(Match("BTC-USD", 2));
            await socket.HoldAsync();
        });
        var options = Fast with { HeartbeatTimeout = TimeSpan.FromSeconds(1) };
        var (trades, feed) = await RunAsync(server, [Coinbase("BTC")], expected: 2, options: options);
        Assert.Equal([1L, 2L], trades.Select(t => t.TradeId));
        Assert.True(feed.Connections.Single().Stats.Connects >= 2);
        Assert.True(Volatile.Read(ref subscribes) >= 2, "the second connection must subscribe again");
    }

    [Fact]
    public async Task A_pair_whose_connection_keeps_failing_does_not_reset_the_other_pairs()
    {
        await using var server = await FakeExchangeServer.StartAsync(async socket =>
        {
            var product = (string)JsonNode.Parse(await socket.ReceiveAsync())!["product_ids"]![0]!;
            if (product == "BTC-USD")
            {
                socket.Drop(); // this pair's venue side is broken
                return;
            }
            for (var id = 1; id <= 20; id++)
                await socket.SendAsync(Match(product, id));
            await socket.HoldAsync();
        });
        var (trades, feed) = await RunAsync(
            server,
            [Coinbase("BTC"), Coinbase("ETH")],
            expected: 20,
            until: f => f.Connections[0].Stats.Connects >= 5
        );
        var btc = feed.Connections.Single(c => c.Listing.Symbol == "BTC-USD");
        var eth = feed.Connections.Single(c => c.Listing.Symbol == "ETH-USD");
        Assert.True(btc.Stats.Connects >= 5, $"BTC-USD reconnected {btc.Stats.Connects} times");
        Assert.Equal(1, eth.Stats.Connects);
        Assert.Equal(Enumerable.Range(1, 20).Select(i => (long)i), trades.Where(t => t.Instrument.Base == "ETH").Select(t => t.TradeId));
    }

    [Fact]
    public async Task Hyperliquid_pings_and_fills_a_disconnect_window_with_candle_snapshots_in_pages_of_500()
    {
        const long t0 = 1_735_689_600_000; // 2025-01-01T00:00Z, ms
        var pings = 0;
        var firstSeen = new TaskCompletionSource();
        string Trade(long tid, long ms) =>
            $$"""{"channel":"trades","data":[{"coin":"BTC","side":"B","px":"97000.5","sz":"0.01","time":{{ms}},"hash":"0x0","tid":"""
            + $$"""{{tid}},"users":["0x1","0x2"]}]}""";
        var snapshotRequests = new List<JsonNode>();
        await using var server = await FakeExchangeServer.StartAsync(
            async socket =>
            {
                for (var i = 0; i < 2; i++)
                    Assert.Equal("subscribe", (string)JsonNode.Parse(await socket.ReceiveAsync())!["method"]!);
                if (socket.Number == 1)
                {
                    await socket.SendAsync(Trade(900_000_001, t0));
                    // The client must ping on its own (Hyperliquid closes idle connections).
                    while ((string?)JsonNode.Parse(await socket.ReceiveAsync())!["method"] != "ping") { }
                    Interlocked.Increment(ref pings);
                    await socket.SendAsync("""{"channel":"pong"}""");
                    await firstSeen.Task;
                    socket.Drop();
                    return;
                }
                // Back 600 minutes later; tids are not consecutive, so only the disconnect tells of a gap.
                await socket.SendAsync(Trade(123_456_789, t0 + 600 * 60_000));
                await socket.HoldAsync();
            },
            app =>
                app.MapPost(
                    "/info",
                    async (HttpContext http) =>
                    {
                        var body = (await JsonNode.ParseAsync(http.Request.Body))!;
                        lock (snapshotRequests)
                            snapshotRequests.Add(body);
                        Assert.Equal("candleSnapshot", (string)body["type"]!);
                        var req = body["req"]!;
                        var start = (long)req["startTime"]!;
                        var end = (long)req["endTime"]!;
                        var first = (start + 59_999) / 60_000 * 60_000;
                        var candles = new JsonArray();
                        for (var t = first; t <= end && candles.Count < 500; t += 60_000)
                            candles.Add(
                                JsonNode.Parse(
                                    $$"""{"t":{{t}},"T":{{t + 59_999}}"""
                                        + ""","s":"BTC","i":"1m","o":"97000.0","c":"97001.0","h":"97002.0","l":"96999.0","v":"1.25","n":"""
                                        + """7}"""
                                )
                            );
                        return Results.Text(candles.ToJsonString(), "application/json");
                    }
                )
        );

        var listing = new VenueListing(InstrumentRef.Create("hyperliquid", "BTC", "USD", MarketType.Perp), "BTC", ["1m"]);
        var options = Fast with { PingInterval = TimeSpan.FromMilliseconds(200) };
        await using var kafka = await TestKafka.StartAsync(partitions: 1);
        using var publisher = new TopicPublisher(kafka.Settings, "test-live", NullLogger.Instance);
        using var feed = new LiveFeed(
            [listing],
            options,
            new RecordingLoggerFactory(),
            _ => new VenueEndpoints(server.WebSocketBase, server.RestBase)
        );
        using var stop = new CancellationTokenSource();
        var run = feed.RunAsync(publisher, stop.Token);
        using var trades = new TopicReader<Trade>(kafka.Settings, TopicCatalog.RawTrades.Name);
        using var candles = new TopicReader<Candle>(kafka.Settings, TopicCatalog.RawExchangeCandles.Name);
        await Eventually.TrueAsync(() => Task.FromResult(trades.Poll().Count >= 1), TimeSpan.FromSeconds(30), "first trade");
        firstSeen.SetResult();
        await Eventually.TrueAsync(
            () => Task.FromResult(trades.Poll().Count >= 2 && candles.Poll().Count >= 600),
            TimeSpan.FromSeconds(60),
            "second trade and the window's candles"
        );
        stop.Cancel();
        await run;

        Assert.True(Volatile.Read(ref pings) >= 1);
        // The 1m candles of the window [t0, t0 + 600 min): 600 of them, fetched in pages of at most 500.
        var opens = candles.Records.Select(c => c.Value.OpenTimeUs / 1000).ToList();
        Assert.Equal(Enumerable.Range(0, 600).Select(i => t0 + i * 60_000L), opens);
        Assert.All(candles.Records, c => Assert.Equal(Origin.Backfill, c.Value.Origin));
        Assert.True(snapshotRequests.Count >= 2, "a 600-candle window needs two requests");
        Assert.Equal([900_000_001L, 123_456_789L], trades.Records.Select(r => r.Value.TradeId));
    }

    [Fact]
    public async Task A_venue_refusing_every_connection_opens_its_circuit_and_further_attempts_wait()
    {
        // A "venue" that accepts TCP and hangs up at once: every WebSocket handshake fails.
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var attempts = 0;
        using var stopListening = new CancellationTokenSource();
        var accepting = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    using var client = await listener.AcceptTcpClientAsync(stopListening.Token);
                    Interlocked.Increment(ref attempts);
                }
            }
            catch (OperationCanceledException) { }
        });
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        var logs = new RecordingLoggerFactory();
        var options = Fast with
        {
            ReconnectBaseDelay = TimeSpan.FromMilliseconds(5),
            ReconnectMaxDelay = TimeSpan.FromMilliseconds(20),
            BreakDuration = TimeSpan.FromHours(1),
        };
        using var publisher = new TopicPublisher(new("127.0.0.1:1"), "unused", NullLogger.Instance) { DisposeFlushTimeout = TimeSpan.Zero };
        using var feed = new LiveFeed(
            [Coinbase("BTC")],
            options,
            logs,
            _ => new VenueEndpoints(new Uri($"ws://127.0.0.1:{port}"), new Uri($"http://127.0.0.1:{port}"))
        );
        using var stop = new CancellationTokenSource();
        var run = feed.RunAsync(publisher, stop.Token);
        var connection = feed.Connections.Single();

        await Eventually.TrueAsync(
            () => Task.FromResult(connection.Guard.Opened >= 1),
            TimeSpan.FromSeconds(30),
            "the venue circuit to open"
        );
        var attemptsWhenOpened = Volatile.Read(ref attempts);
        // Several more reconnect rounds pass while the circuit is open...
        await Eventually.TrueAsync(
            () => Task.FromResult(logs.Lines.Count(l => l.Message.Contains("circuit is open")) >= 5),
            TimeSpan.FromSeconds(30),
            "reconnect rounds while open"
        );
        // ...without touching the venue.
        Assert.Equal(attemptsWhenOpened, Volatile.Read(ref attempts));
        Assert.Equal(1, connection.Guard.Opened);
        Assert.Equal(0, connection.Stats.Connects);
        stop.Cancel();
        await run;
        stopListening.Cancel();
        listener.Stop();
        await accepting;
    }
}
