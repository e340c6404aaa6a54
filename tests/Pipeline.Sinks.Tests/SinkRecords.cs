// Builders and a producer for the records the sink consumes, as the processors would publish them.
using Confluent.Kafka;
using Google.Protobuf;
using Pipeline.Plumbing.Kafka;
using Pipeline.Plumbing.Serialization;
using Pipeline.Schemas.V1;

namespace Pipeline.Sinks.Tests;

public static class SinkRecords
{
    public static readonly InstrumentRef BtcUsdt = InstrumentRef.Create("binance", "BTC", "USDT", MarketType.Spot);

    /// <summary>2025-01-15T00:00:00Z in microseconds.</summary>
    public const long Day = 1_736_899_200_000_000;

    public static Trade Trade(long id, string price, string size, long timeUs, InstrumentRef? instrument = null) =>
        new()
        {
            Instrument = instrument ?? BtcUsdt,
            TradeId = id,
            Price = Schemas.V1.Decimal.From(decimal.Parse(price, System.Globalization.CultureInfo.InvariantCulture)),
            Size = Schemas.V1.Decimal.From(decimal.Parse(size, System.Globalization.CultureInfo.InvariantCulture)),
            Aggressor = AggressorSide.Buy,
            EventTimeUs = timeUs,
            ReceiveTimeUs = timeUs + 1000,
            Origin = Origin.Live,
            VenueSymbol = "BTCUSDT",
        };

    public static Candle Candle(
        long openUs,
        string o,
        string h,
        string l,
        string c,
        string v,
        bool closed,
        int revision,
        long trades = 10
    ) =>
        new()
        {
            Instrument = BtcUsdt,
            Interval = "1m",
            OpenTimeUs = openUs,
            CloseTimeUs = openUs + 60_000_000,
            Open = D(o),
            High = D(h),
            Low = D(l),
            Close = D(c),
            Volume = D(v),
            QuoteVolume = D(v),
            TradeCount = trades,
            Closed = closed,
            Revision = revision,
            Source = CandleSource.Aggregated,
            Origin = Origin.Live,
        };

    public static Schemas.V1.Decimal D(string s) =>
        Schemas.V1.Decimal.From(decimal.Parse(s, System.Globalization.CultureInfo.InvariantCulture));

    public static async Task ProduceAsync<T>(KafkaClientSettings kafka, string topic, IEnumerable<T> records, Func<T, string> key)
        where T : IMessage<T>, new()
    {
        using var producer = new ProducerBuilder<string, byte[]>(kafka.Producer("sink-tests")).Build();
        foreach (var r in records)
            producer.Produce(
                topic,
                new Message<string, byte[]>
                {
                    Key = key(r),
                    Value = r.ToByteArray(),
                    Headers = MessageHeaders.For<T>(),
                }
            );
        producer.Flush(TimeSpan.FromSeconds(30));
        await Task.CompletedTask;
    }

    public static async Task ProduceRawAsync(KafkaClientSettings kafka, string topic, string key, byte[] value)
    {
        using var producer = new ProducerBuilder<string, byte[]>(kafka.Producer("sink-tests")).Build();
        await producer.ProduceAsync(topic, new Message<string, byte[]> { Key = key, Value = value });
    }
}
