// Builders and a producer for the records the archive consumes, as the processors would publish them.
using System.Globalization;
using Confluent.Kafka;
using Google.Protobuf;
using Pipeline.Plumbing.Kafka;
using Pipeline.Plumbing.Serialization;
using Pipeline.Schemas.V1;

namespace Pipeline.Archive.Tests;

public static class ArchiveRecords
{
    public static readonly InstrumentRef BtcUsdt = InstrumentRef.Create("binance", "BTC", "USDT", MarketType.Spot);
    public static readonly InstrumentRef EthUsd = InstrumentRef.Create("coinbase", "ETH", "USD", MarketType.Spot);

    /// <summary>2025-01-15T00:00:00Z in microseconds.</summary>
    public const long Day = 1_736_899_200_000_000;

    public static Schemas.V1.Decimal D(string s) => Schemas.V1.Decimal.From(decimal.Parse(s, CultureInfo.InvariantCulture));

    /// <summary>Trades of two instruments over two days, prices and sizes with many decimal places.</summary>
    public static List<Trade> Trades(int count) =>
        Enumerable
            .Range(1, count)
            .Select(n => new Trade
            {
                Instrument = n % 3 == 0 ? EthUsd : BtcUsdt,
                TradeId = n,
                Price = D($"{30_000 + n % 977}.{n % 100_000_000:D8}"),
                Size = D($"0.{n % 1_000_000_000:D9}1"),
                Aggressor = n % 2 == 0 ? AggressorSide.Buy : AggressorSide.Sell,
                EventTimeUs = Day + n * (2L * 86_400_000_000 / count),
                ReceiveTimeUs = Day + n * (2L * 86_400_000_000 / count) + 1234,
                Origin = Origin.Live,
                VenueSymbol = n % 3 == 0 ? "ETH-USD" : "BTCUSDT",
            })
            .ToList();

    /// <summary>The closed 1m candle <paramref name="k"/> minutes into <see cref="Day"/>, BTC/USDT and ETH/USD in turn, with
    /// prices of 9 and 15 decimal places.</summary>
    public static Candle FinalCandle(int k, string high, Schemas.V1.Decimal? vwap, int revision = 0) =>
        new()
        {
            Instrument = k % 2 == 0 ? BtcUsdt : EthUsd,
            Interval = "1m",
            OpenTimeUs = Day + k * 60_000_000L,
            CloseTimeUs = Day + (k + 1) * 60_000_000L,
            Open = D("100.5"),
            High = D(high),
            Low = D("99.000000001"),
            Close = D($"100.{k:D3}"),
            Volume = D("12.345678901234567"),
            QuoteVolume = D("1234.5"),
            TradeCount = k,
            Vwap = vwap,
            Closed = true,
            Revision = revision,
            Source = CandleSource.Aggregated,
            Origin = Origin.Live,
        };

    /// <summary>BTC/USDT's <paramref name="indicator"/> for the 1m candle <paramref name="k"/> minutes into
    /// <see cref="Day"/>: one field with a value, one without (null in the archive).</summary>
    public static IndicatorValue Indicator(int k, string indicator, string field, double value, string emptyField)
    {
        var v = new IndicatorValue
        {
            Instrument = BtcUsdt,
            Interval = "1m",
            OpenTimeUs = Day + k * 60_000_000L,
            Indicator = indicator,
        };
        v.Fields.Add(new IndicatorField { Name = field, Value = value });
        v.Fields.Add(new IndicatorField { Name = emptyField });
        return v;
    }

    /// <summary>Produces the records keyed by instrument; returns where each landed.</summary>
    public static List<(int Partition, long Offset, T Record)> Produce<T>(
        KafkaClientSettings kafka,
        string topic,
        IEnumerable<T> records,
        Func<T, string> key
    )
        where T : IMessage<T>, new()
    {
        using var producer = new ProducerBuilder<string, byte[]>(kafka.Producer("archive-tests")).Build();
        var landed = new List<(int, long, T)>();
        foreach (var r in records)
            producer.Produce(
                topic,
                new Message<string, byte[]>
                {
                    Key = key(r),
                    Value = r.ToByteArray(),
                    Headers = MessageHeaders.For<T>(),
                },
                report =>
                {
                    if (report.Error.IsError)
                        throw new InvalidOperationException(report.Error.Reason);
                    lock (landed)
                        landed.Add((report.Partition.Value, report.Offset.Value, r));
                }
            );
        producer.Flush(TimeSpan.FromSeconds(60));
        return landed;
    }
}
