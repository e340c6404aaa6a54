// A trade end to end: published raw → validated → aggregated → stored → served by the API.
using System.Text.Json;
using Confluent.Kafka;
using Pipeline.Api;
using Pipeline.Plumbing.Kafka;
using Pipeline.Plumbing.Serialization;
using Pipeline.Plumbing.Topics;
using Pipeline.Processors;
using Pipeline.Schemas.V1;
using Pipeline.Sinks;
using Pipeline.Testing;

namespace Pipeline.EndToEnd.Tests;

public class TradeToApiTests
{
    private static readonly DateTimeOffset Minute = new(2025, 3, 14, 9, 26, 0, TimeSpan.Zero);

    private static Trade T(long id, string price, string size, int secondsIntoMinute, AggressorSide side, int minuteOffset = 0) =>
        new()
        {
            Instrument = InstrumentRef.Create("binance", "BTC", "USDT", MarketType.Spot),
            TradeId = id,
            Price = Schemas.V1.Decimal.From(decimal.Parse(price, System.Globalization.CultureInfo.InvariantCulture)),
            Size = Schemas.V1.Decimal.From(decimal.Parse(size, System.Globalization.CultureInfo.InvariantCulture)),
            Aggressor = side,
            EventTimeUs = Minute.AddMinutes(minuteOffset).AddSeconds(secondsIntoMinute).ToUnixTimeMilliseconds() * 1000 + 123,
            ReceiveTimeUs = Minute.AddMinutes(minuteOffset).AddSeconds(secondsIntoMinute).ToUnixTimeMilliseconds() * 1000 + 900,
            Origin = Origin.Import,
            VenueSymbol = "BTCUSDT",
        };

    [Fact]
    public async Task Trades_published_raw_come_back_as_a_closed_1m_candle_through_the_api()
    {
        await using var pipeline = await TestPipeline.StartAsync(partitions: 2);
        var kafka = pipeline.Kafka;

        // Five trades in one minute, written by hand: open 100.10, high 100.50, low 99.90, close 100.20.
        var trades = new[]
        {
            T(1001, "100.10", "0.5", 1, AggressorSide.Buy),
            T(1002, "100.50", "0.25", 10, AggressorSide.Sell),
            T(1003, "99.90", "1.000", 20, AggressorSide.Buy),
            T(1004, "100.00", "0.1", 40, AggressorSide.Sell),
            T(1005, "100.20", "0.15", 59, AggressorSide.Buy),
            // Trades well after the minute move the watermark past its end, so it closes.
            T(1006, "101.00", "0.01", 5, AggressorSide.Buy, minuteOffset: 10),
        };
        using (
            var producer = new ProducerBuilder<string, Trade>(kafka.Settings.Producer("e2e"))
                .SetValueSerializer(ProtobufSerializer<Trade>.Instance)
                .Build()
        )
        {
            foreach (var t in trades)
                await producer.ProduceAsync(
                    TopicCatalog.RawTrades.Name,
                    new Message<string, Trade>
                    {
                        Key = t.Instrument.Key,
                        Value = t,
                        Headers = MessageHeaders.For<Trade>(),
                    }
                );
        }

        pipeline.Run(ProcessorRole.RunAsync);
        pipeline.Run(SinkRole.RunAsync);
        pipeline.Run(ApiRole.RunAsync);
        using var http = new HttpClient { BaseAddress = new Uri(pipeline.Options.Api.Urls) };
        var url = $"/candles/binance/BTC/USDT/spot/1m?start={Minute:yyyy-MM-ddTHH:mm:ssZ}&end={Minute.AddMinutes(1):yyyy-MM-ddTHH:mm:ssZ}";
        var candle = await Eventually.GetAsync(
            async () =>
            {
                pipeline.ThrowIfARoleFailed();
                try
                {
                    using var response = await http.GetAsync(url);
                    if (!response.IsSuccessStatusCode)
                        return default;
                    using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                    return doc
                        .RootElement.GetProperty("data")
                        .EnumerateArray()
                        .Where(c => c.GetProperty("closed").GetBoolean())
                        .Select(c => (JsonElement?)c.Clone())
                        .FirstOrDefault();
                }
                catch (HttpRequestException)
                {
                    return default;
                }
            },
            c => c is not null,
            TimeSpan.FromSeconds(90),
            "the closed 1m candle in the API"
        );

        var c = candle!.Value;
        Assert.Equal("100.10", c.GetProperty("open").GetString());
        Assert.Equal("100.50", c.GetProperty("high").GetString());
        Assert.Equal("99.90", c.GetProperty("low").GetString());
        Assert.Equal("100.20", c.GetProperty("close").GetString());
        // 0.5 + 0.25 + 1.000 + 0.1 + 0.15 = 2.000; quote 50.05 + 25.125 + 99.9 + 10 + 15.03 = 200.105
        Assert.Equal(2.000m, decimal.Parse(c.GetProperty("volume").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(
            200.105m,
            decimal.Parse(c.GetProperty("quote_volume").GetString()!, System.Globalization.CultureInfo.InvariantCulture)
        );
        Assert.Equal(5, c.GetProperty("trade_count").GetInt64());
        Assert.Equal(Minute, DateTimeOffset.Parse(c.GetProperty("time").GetString()!));
    }
}
