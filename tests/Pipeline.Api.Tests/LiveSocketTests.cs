// GET /stream/ws: a WebSocket of the candles, trades and indicators topics; subscribe/unsubscribe messages, error replies,
// a bounded queue per client (a slow client is closed with the reason), and a close frame when the server stops.
using System.Diagnostics;
using System.Net;
using System.Net.WebSockets;
using System.Text.Json;
using Confluent.Kafka;
using Google.Protobuf;
using Pipeline.Plumbing.Serialization;
using Pipeline.Plumbing.Topics;
using Pipeline.Schemas.V1;
using Pipeline.Testing;

namespace Pipeline.Api.Tests;

public sealed class LiveSocketTests
{
    private static readonly InstrumentRef Btc = InstrumentRef.Create("binance", "BTC", "USDT", MarketType.Spot);
    private static readonly InstrumentRef Eth = InstrumentRef.Create("binance", "ETH", "USDT", MarketType.Spot);
    private const long T0 = 1_736_899_200_000_000; // 2025-01-15T00:00:00Z
    private const string SubscribeBtc = """
        {"op":"subscribe","id":1,"instruments":["binance:BTC/USDT:spot"],"intervals":["1m"],
         "channels":["updates","closes","trades","indicators"]}
        """;

    private static Candle C(InstrumentRef i, string interval, string close, bool closed, long trades) =>
        new()
        {
            Instrument = i,
            Interval = interval,
            OpenTimeUs = T0,
            CloseTimeUs = T0 + 60_000_000,
            Open = Schemas.V1.Decimal.From(96000.5m),
            High = Schemas.V1.Decimal.From(96100m),
            Low = Schemas.V1.Decimal.From(95900.25m),
            Close = Schemas.V1.Decimal.From(decimal.Parse(close, System.Globalization.CultureInfo.InvariantCulture)),
            Volume = Schemas.V1.Decimal.From(1.5m),
            QuoteVolume = Schemas.V1.Decimal.From(144000.75m),
            TradeCount = trades,
            Closed = closed,
            Revision = closed ? 1 : 0,
        };

    private static Trade T(InstrumentRef i, long id, decimal price, AggressorSide side) =>
        new()
        {
            Instrument = i,
            TradeId = id,
            Price = Schemas.V1.Decimal.From(price),
            Size = Schemas.V1.Decimal.From(0.125m),
            Aggressor = side,
            EventTimeUs = T0 + id * 1_000,
            ReceiveTimeUs = T0 + id * 1_000 + 5,
            Origin = Origin.Live,
        };

    private static void Produce<T>(IProducer<string, byte[]> p, string topic, InstrumentRef key, T record)
        where T : IMessage<T>, new() =>
        p.Produce(
            topic,
            new Message<string, byte[]>
            {
                Key = key.Key,
                Value = record.ToByteArray(),
                Headers = MessageHeaders.For<T>(),
            }
        );

    [Fact]
    public async Task Socket_delivers_the_subscribed_candles_trades_and_indicators_as_published_and_stops_after_unsubscribe()
    {
        await using var kafka = await TestKafka.StartAsync(partitions: 1);
        await using var api = await RunningApi.StartAsync(kafka.Settings);
        await using var ws = await SocketClient.ConnectAsync(api);
        await ws.ReceiveTypeAsync("ready");
        await ws.SendAsync(SubscribeBtc);
        var ack = await ws.ReceiveTypeAsync("subscribed");
        Assert.Equal(1, ack.GetProperty("id").GetInt32());
        Assert.Equal(
            [
                "binance:BTC/USDT:spot  trades",
                "binance:BTC/USDT:spot 1m closes",
                "binance:BTC/USDT:spot 1m indicators",
                "binance:BTC/USDT:spot 1m updates",
            ],
            ack.GetProperty("subscriptions")
                .EnumerateArray()
                .Select(s => $"{s.GetProperty("instrument")} {s.GetProperty("interval")} {s.GetProperty("channel")}")
        );

        using var producer = new ProducerBuilder<string, byte[]>(kafka.Settings.Producer("ws-test")).Build();
        Produce(producer, TopicCatalog.Candles.Name, Eth, C(Eth, "1m", "3000", true, 1)); // other instrument
        Produce(producer, TopicCatalog.Candles.Name, Btc, C(Btc, "5m", "96000", true, 1)); // other interval
        Produce(producer, TopicCatalog.Candles.Name, Btc, C(Btc, "1m", "96050.5", false, 1));
        Produce(producer, TopicCatalog.Candles.Name, Btc, C(Btc, "1m", "96001.25", true, 2));
        Produce(producer, TopicCatalog.ValidTrades.Name, Eth, T(Eth, 7, 3000m, AggressorSide.Buy));
        Produce(producer, TopicCatalog.ValidTrades.Name, Btc, T(Btc, 1, 96000.5m, AggressorSide.Buy));
        Produce(producer, TopicCatalog.ValidTrades.Name, Btc, T(Btc, 2, 96001.25m, AggressorSide.Sell));
        var rsi = new IndicatorValue
        {
            Instrument = Btc,
            Interval = "1m",
            OpenTimeUs = T0,
            Indicator = "rsi(14)",
            CandleRevision = 1,
        };
        rsi.Fields.Add(new IndicatorField { Name = "rsi", Value = 61.25 });
        var other = new IndicatorValue
        {
            Instrument = Btc,
            Interval = "5m",
            OpenTimeUs = T0,
            Indicator = "rsi(14)",
        };
        other.Fields.Add(new IndicatorField { Name = "rsi", Value = 1 });
        Produce(producer, TopicCatalog.Indicators.Name, Btc, other);
        Produce(producer, TopicCatalog.Indicators.Name, Btc, rsi);
        producer.Flush(TimeSpan.FromSeconds(10));

        var seen = new List<JsonElement>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!(seen.Any(m => Type(m) == "close") && seen.Count(m => Type(m) == "trade") == 2 && seen.Any(m => Type(m) == "indicator")))
            seen.Add(await ws.ReceiveAsync(deadline - DateTime.UtcNow) ?? throw new InvalidOperationException("closed"));

        Assert.All(seen, m => Assert.Equal("binance:BTC/USDT:spot", m.GetProperty("data").GetProperty("instrument").GetString()));
        Assert.All(seen.Where(m => Type(m) != "trade"), m => Assert.Equal("1m", m.GetProperty("data").GetProperty("interval").GetString()));
        var close = seen.Single(m => Type(m) == "close").GetProperty("data");
        Assert.Equal(
            ("2025-01-15T00:00:00.000000Z", "96000.5", "96100", "95900.25", "96001.25", "1.5", "144000.75", 2L, true),
            (
                Text(close, "time"),
                Text(close, "open"),
                Text(close, "high"),
                Text(close, "low"),
                Text(close, "close"),
                Text(close, "volume"),
                Text(close, "quote_volume"),
                close.GetProperty("trade_count").GetInt64(),
                close.GetProperty("closed").GetBoolean()
            )
        );
        Assert.Equal(
            ["1 96000.5 0.125 buy 2025-01-15T00:00:00.001000Z", "2 96001.25 0.125 sell 2025-01-15T00:00:00.002000Z"],
            seen.Where(m => Type(m) == "trade")
                .Select(m => m.GetProperty("data"))
                .Select(t => $"{t.GetProperty("trade_id")} {Text(t, "price")} {Text(t, "size")} {Text(t, "side")} {Text(t, "time")}")
        );
        var indicator = seen.Single(m => Type(m) == "indicator").GetProperty("data");
        Assert.Equal("rsi(14)", Text(indicator, "indicator"));
        Assert.Equal(61.25, indicator.GetProperty("values").GetProperty("rsi").GetDouble());

        // Unsubscribe BTC trades, subscribe ETH trades: a BTC trade published before an ETH one (same partition) never comes.
        await ws.SendAsync("""{"op":"unsubscribe","instruments":["binance:BTC/USDT:spot"],"channels":["trades"]}""");
        await ws.ReceiveTypeAsync("unsubscribed");
        await ws.SendAsync("""{"op":"subscribe","instruments":["binance:ETH/USDT:spot"],"channels":["trades"]}""");
        await ws.ReceiveTypeAsync("subscribed");
        Produce(producer, TopicCatalog.ValidTrades.Name, Btc, T(Btc, 3, 96002m, AggressorSide.Buy));
        Produce(producer, TopicCatalog.ValidTrades.Name, Eth, T(Eth, 8, 3001m, AggressorSide.Sell));
        producer.Flush(TimeSpan.FromSeconds(10));
        var before = new List<JsonElement>();
        var eth = await ws.ReceiveTypeAsync("trade", before);
        Assert.Equal(8, eth.GetProperty("data").GetProperty("trade_id").GetInt64());
        Assert.DoesNotContain(before, m => Type(m) == "trade");
    }

    [Fact]
    public async Task Bad_messages_get_an_error_naming_the_problem_and_no_connection_is_dropped()
    {
        await using var api = await RunningApi.StartAsync();
        await using var ws = await SocketClient.ConnectAsync(api);
        await using var bystander = await SocketClient.ConnectAsync(api);
        (string Send, string Mentions)[] cases =
        [
            ("not json", "not JSON"),
            ("[1,2]", "JSON object"),
            ("""{"instruments":["binance:BTC/USDT:spot"]}""", "\"op\""),
            ("""{"op":"dance"}""", "op 'dance'"),
            ("""{"op":"subscribe"}""", "\"instruments\" is missing"),
            ("""{"op":"subscribe","instruments":[]}""", "\"instruments\" is empty"),
            ("""{"op":"subscribe","instruments":[1]}""", "list of strings"),
            ("""{"op":"subscribe","instruments":["BTCUSDT"]}""", "not an instrument key"),
            ("""{"op":"subscribe","instruments":["binance:DOGE/USDT:spot"]}""", "not registered"),
            ("""{"op":"subscribe","instruments":["binance:BTC/USDT:spot"],"intervals":["2m"]}""", "intervals: '2m'"),
            ("""{"op":"subscribe","instruments":["binance:BTC/USDT:spot"],"channels":["quotes"]}""", "channels: 'quotes'"),
            (new string('x', 20_000), "longer than"),
        ];
        foreach (var (send, mentions) in cases)
        {
            await ws.SendAsync(send);
            var error = await ws.ReceiveTypeAsync("error");
            Assert.Contains(mentions, error.GetProperty("error").GetString());
        }
        await ws.SendBinaryAsync([1, 2, 3]);
        Assert.Contains("binary", (await ws.ReceiveTypeAsync("error")).GetProperty("error").GetString());

        await ws.SendAsync("""{"op":"ping","id":"after errors"}""");
        Assert.Equal("after errors", (await ws.ReceiveTypeAsync("pong")).GetProperty("id").GetString());
        await bystander.SendAsync("""{"op":"ping","id":2}""");
        Assert.Equal(2, (await bystander.ReceiveTypeAsync("pong")).GetProperty("id").GetInt32());

        using var plain = await api.Http.GetAsync("/stream/ws");
        Assert.Equal(HttpStatusCode.BadRequest, plain.StatusCode);
        Assert.Equal("application/problem+json", plain.Content.Headers.ContentType?.MediaType);
        Assert.Contains("WebSocket", await plain.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_client_that_does_not_read_is_closed_with_the_reason_while_a_fast_one_keeps_receiving()
    {
        await using var kafka = await TestKafka.StartAsync(partitions: 1);
        await using var api = await RunningApi.StartAsync(kafka.Settings, configure: o => o.Api.SocketQueueLimit = 1000);
        await using var slow = await SocketClient.ConnectAsync(api, receiveBuffer: 4096);
        await using var fast = await SocketClient.ConnectAsync(api);
        const string trades = """{"op":"subscribe","instruments":["binance:BTC/USDT:spot"],"channels":["trades"]}""";
        foreach (var ws in new[] { slow, fast })
        {
            await ws.ReceiveTypeAsync("ready");
            await ws.SendAsync(trades);
            await ws.ReceiveTypeAsync("subscribed");
        }

        // 20,000 trades (~4 MB of JSON) in bursts of 500, each published once the fast client has the previous one: far
        // more than the slow client's socket buffers and its 1,000-message queue hold, never more than the fast one's.
        const int count = 20_000;
        var last = 0L;
        using (var producer = new ProducerBuilder<string, byte[]>(kafka.Settings.Producer("ws-slow-test")).Build())
            for (var burst = 0; burst < count / 500; burst++)
            {
                for (var i = burst * 500 + 1; i <= (burst + 1) * 500; i++)
                    Produce(producer, TopicCatalog.ValidTrades.Name, Btc, T(Btc, i, 96000m + i, AggressorSide.Buy));
                producer.Flush(TimeSpan.FromSeconds(30));
                while (last < (burst + 1) * 500)
                {
                    var m = await fast.ReceiveTypeAsync("trade");
                    var id = m.GetProperty("data").GetProperty("trade_id").GetInt64();
                    Assert.Equal(last + 1, id); // every trade, in order
                    last = id;
                }
            }

        // Now the slow client reads: what its buffers held, then the close frame with the reason; never all the trades.
        var received = 0;
        while (await slow.ReceiveAsync(TimeSpan.FromSeconds(30)) is { } m)
            if (m.GetProperty("type").GetString() == "trade")
                received++;
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, slow.CloseStatus);
        Assert.Contains("too slow: more than 1000 messages waiting", slow.CloseReason);
        Assert.True(received < count, $"the slow client got all {count} trades: it was never behind");

        await fast.SendAsync("""{"op":"ping"}""");
        await fast.ReceiveTypeAsync("pong");
    }

    // Like the SSE stream (issue 12/18 regression): a connected socket must not hold up the host's stop.
    [Fact]
    public async Task Stopping_the_host_closes_connected_sockets_with_server_stopping()
    {
        var api = await RunningApi.StartAsync();
        await using var ws = await SocketClient.ConnectAsync(api);
        await ws.SendAsync("""{"op":"ping"}""");
        await ws.ReceiveTypeAsync("pong");

        var watch = Stopwatch.StartNew();
        var stopping = api.DisposeAsync().AsTask();
        var rest = await ws.ReceiveAsync(TimeSpan.FromSeconds(60));
        await stopping;

        Assert.Null(rest);
        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, ws.CloseStatus);
        Assert.Equal("server stopping", ws.CloseReason);
        Assert.True(
            watch.Elapsed < TimeSpan.FromSeconds(25),
            $"stopping took {watch.Elapsed}: the socket held it up to the shutdown timeout"
        );
    }

    [Fact]
    public async Task An_independent_client_npm_ws_receives_the_published_trades()
    {
        var modules = Path.Combine(
            Environment.GetEnvironmentVariable("PIPELINE_CACHE") is { Length: > 0 } c
                ? c
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "pipeline"),
            "ws",
            "node_modules"
        );
        Assert.True(
            Directory.Exists(Path.Combine(modules, "ws")),
            $"npm ws is not installed in {modules}: run `make setup` (infra/setup/setup.sh)"
        );
        await using var kafka = await TestKafka.StartAsync(partitions: 1);
        await using var api = await RunningApi.StartAsync(kafka.Settings);
        var psi = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Clients", "ws_subscriber.js"));
        psi.ArgumentList.Add(api.Http.BaseAddress!.ToString().Replace("http://", "ws://") + "stream/ws");
        psi.ArgumentList.Add("""{"op":"subscribe","instruments":["binance:BTC/USDT:spot"],"channels":["trades"]}""");
        psi.ArgumentList.Add("trade");
        psi.ArgumentList.Add("3");
        psi.Environment["NODE_PATH"] = modules;
        using var node = Process.Start(psi)!;
        var stderr = node.StandardError.ReadToEndAsync();
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            Assert.Equal("subscribed", await node.StandardOutput.ReadLineAsync(timeout.Token));
            using (var producer = new ProducerBuilder<string, byte[]>(kafka.Settings.Producer("ws-node-test")).Build())
            {
                for (var i = 1; i <= 3; i++)
                    Produce(
                        producer,
                        TopicCatalog.ValidTrades.Name,
                        Btc,
                        T(Btc, i, 96000.5m + i, i % 2 == 0 ? AggressorSide.Sell : AggressorSide.Buy)
                    );
                producer.Flush(TimeSpan.FromSeconds(10));
            }
            var lines = new List<string>();
            while (await node.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
                lines.Add(line);
            await node.WaitForExitAsync(timeout.Token);
            Assert.True(node.ExitCode == 0, $"node exited {node.ExitCode}: {await stderr}");
            Assert.Equal(
                ["1 96001.5 buy", "2 96002.5 sell", "3 96003.5 buy"],
                lines
                    .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("data"))
                    .Select(t => $"{t.GetProperty("trade_id")} {Text(t, "price")} {Text(t, "side")}")
            );
        }
        finally
        {
            if (!node.HasExited)
                node.Kill(entireProcessTree: true);
        }
    }

    private static string? Type(JsonElement m) => m.GetProperty("type").GetString();

    private static string? Text(JsonElement e, string name) => e.GetProperty(name).GetString();
}
