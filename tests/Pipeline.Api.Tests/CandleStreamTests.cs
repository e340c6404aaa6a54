// GET /stream/candles: Server-Sent Events of the candles topic, filtered per client and throttled by coalescing.
using System.Net;
using System.Text.Json;
using Confluent.Kafka;
using Google.Protobuf;
using Pipeline.Plumbing.Kafka;
using Pipeline.Plumbing.Serialization;
using Pipeline.Plumbing.Topics;
using Pipeline.Schemas.V1;
using Pipeline.Testing;

namespace Pipeline.Api.Tests;

public sealed class CandleStreamTests
{
    private static readonly InstrumentRef Btc = InstrumentRef.Create("binance", "BTC", "USDT", MarketType.Spot);
    private static readonly InstrumentRef Eth = InstrumentRef.Create("binance", "ETH", "USDT", MarketType.Spot);
    private const long T0 = 1_736_899_200_000_000; // 2025-01-15T00:00:00Z

    private static Candle C(InstrumentRef i, string interval, long openUs, string close, bool closed, long trades) =>
        new()
        {
            Instrument = i,
            Interval = interval,
            OpenTimeUs = openUs,
            CloseTimeUs = openUs + 60_000_000,
            Open = Schemas.V1.Decimal.From(100m),
            High = Schemas.V1.Decimal.From(200m),
            Low = Schemas.V1.Decimal.From(50m),
            Close = Schemas.V1.Decimal.From(decimal.Parse(close, System.Globalization.CultureInfo.InvariantCulture)),
            Volume = Schemas.V1.Decimal.From(trades),
            QuoteVolume = Schemas.V1.Decimal.From(trades * 100),
            TradeCount = trades,
            Closed = closed,
        };

    private static async Task ProduceAsync(KafkaClientSettings kafka, params Candle[] candles)
    {
        using var p = new ProducerBuilder<string, byte[]>(kafka.Producer("stream-test")).Build();
        foreach (var c in candles)
            p.Produce(
                TopicCatalog.Candles.Name,
                new Message<string, byte[]>
                {
                    Key = c.Instrument.Key,
                    Value = c.ToByteArray(),
                    Headers = MessageHeaders.For<Candle>(),
                }
            );
        p.Flush(TimeSpan.FromSeconds(10));
        await Task.CompletedTask;
    }

    /// <summary>Reads SSE events (name, data) until <paramref name="until"/> says stop.</summary>
    private static async Task<List<(string Event, JsonElement Data)>> ReadEventsAsync(
        StreamReader reader,
        Func<List<(string, JsonElement)>, bool> until,
        TimeSpan timeout
    )
    {
        var events = new List<(string, JsonElement)>();
        using var cts = new CancellationTokenSource(timeout);
        string? name = null;
        while (!until(events))
        {
            var line = await reader.ReadLineAsync(cts.Token) ?? throw new EndOfStreamException("the stream ended");
            if (line.StartsWith("event: "))
                name = line[7..];
            else if (line.StartsWith("data: ") && name is not null)
            {
                events.Add((name, JsonDocument.Parse(line[6..]).RootElement.Clone()));
                name = null;
            }
        }
        return events;
    }

    [Fact]
    public async Task Stream_delivers_updates_and_closes_of_the_chosen_instruments_and_intervals_only()
    {
        await using var kafka = await TestKafka.StartAsync(partitions: 2);
        await using var api = await RunningApi.StartAsync(kafka.Settings);
        using var response = await api.Http.GetAsync(
            "/stream/candles?instruments=binance:BTC/USDT:spot&intervals=1m",
            HttpCompletionOption.ResponseHeadersRead
        );
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        await ReadEventsAsync(reader, e => e.Count == 1, TimeSpan.FromSeconds(30)); // ready

        await ProduceAsync(
            kafka.Settings,
            C(Eth, "1m", T0, "3000", false, 1), // other instrument
            C(Btc, "5m", T0, "96000", false, 1), // other interval
            C(Btc, "1m", T0, "96000.5", false, 1),
            C(Btc, "1m", T0, "96001.25", true, 2)
        );

        var events = await ReadEventsAsync(reader, e => e.Any(x => x.Item1 == "close"), TimeSpan.FromSeconds(30));

        var candles = events.Where(e => e.Event != "ready").ToList();
        Assert.NotEmpty(candles);
        Assert.All(candles, e => Assert.Equal("binance:BTC/USDT:spot", e.Data.GetProperty("instrument").GetString()));
        Assert.All(candles, e => Assert.Equal("1m", e.Data.GetProperty("interval").GetString()));
        var close = candles.Single(e => e.Event == "close").Data;
        Assert.Equal("96001.25", close.GetProperty("close").GetString());
        Assert.Equal("2025-01-15T00:00:00.000000Z", close.GetProperty("time").GetString());
        Assert.True(close.GetProperty("closed").GetBoolean());
    }

    [Fact]
    public async Task A_slow_client_gets_the_latest_state_of_each_candle_not_every_update()
    {
        await using var kafka = await TestKafka.StartAsync(partitions: 1);
        await using var api = await RunningApi.StartAsync(kafka.Settings, configure: o => o.Api.StreamEventsPerSecond = 1);
        using var response = await api.Http.GetAsync(
            "/stream/candles?instruments=binance:BTC/USDT:spot",
            HttpCompletionOption.ResponseHeadersRead
        );
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        await ReadEventsAsync(reader, e => e.Count == 1, TimeSpan.FromSeconds(30));

        // 200 updates of one candle, then its close: far more than 1 event per second.
        await ProduceAsync(
            kafka.Settings,
            [.. Enumerable.Range(1, 200).Select(i => C(Btc, "1m", T0, $"{96000 + i}", false, i)), C(Btc, "1m", T0, "96500", true, 201)]
        );

        var events = await ReadEventsAsync(reader, e => e.Any(x => x.Item1 == "close"), TimeSpan.FromSeconds(60));

        Assert.True(events.Count < 20, $"{events.Count} events for 201 updates: the throttle did not coalesce");
        Assert.Equal("96500", events.Single(e => e.Item1 == "close").Item2.GetProperty("close").GetString());
        var trades = events.Where(e => e.Item1 != "ready").Select(e => e.Item2.GetProperty("trade_count").GetInt64()).ToList();
        Assert.Equal(trades.Order(), trades); // never an older state after a newer one
    }

    [Theory]
    [InlineData("/stream/candles", "instruments")]
    [InlineData("/stream/candles?instruments=BTCUSDT", "instrument key")]
    [InlineData("/stream/candles?instruments=binance:BTC/USDT:spot&intervals=2m", "interval")]
    [InlineData("/stream/candles?instruments=binance:DOGE/USDT:spot", "not registered")]
    public async Task Bad_stream_parameters_get_problem_json(string path, string mentions)
    {
        await using var api = await RunningApi.StartAsync();
        using var response = await api.Http.GetAsync(path);
        Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.NotFound, $"status {(int)response.StatusCode}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(mentions, await response.Content.ReadAsStringAsync());
    }
}
