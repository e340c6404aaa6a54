// One Binance kline as the venue gives it (WebSocket, REST and dump rows alike), with named fields, and as our Candle.
using System.Globalization;
using Pipeline.Schemas.V1;

namespace Pipeline.Producers.Venues.Binance;

public sealed record BinanceKline
{
    public required long OpenTimeUs { get; init; }

    /// <summary>Exclusive (Binance's own close time is the last included ms or µs).</summary>
    public required long CloseTimeUs { get; init; }
    public required string Open { get; init; }
    public required string High { get; init; }
    public required string Low { get; init; }
    public required string Close { get; init; }

    /// <summary>Base asset volume (contracts on COIN-M futures).</summary>
    public required string Volume { get; init; }
    public string? QuoteVolume { get; init; }
    public required long TradeCount { get; init; }
    public string? TakerBuyBaseVolume { get; init; }
    public string? TakerBuyQuoteVolume { get; init; }

    /// <summary>Binance's close time is the last included millisecond (or µs); ours is exclusive.</summary>
    public static long ExclusiveCloseUs(long rawClose) =>
        BinanceTimestamps.ToMicros(rawClose) + (BinanceTimestamps.IsMicroseconds(rawClose) ? 1 : 1000);

    /// <summary>The closed kline as our Candle; FormatException when a price is not positive or a volume not a decimal.
    /// On COIN-M, Binance's volume and taker-buy volume count contracts and its "quote" columns hold the coin amount:
    /// volume stays in contracts (Binance's own convention there) and no quote volume or VWAP is claimed.</summary>
    public Candle ToCandle(InstrumentRef instrument, string interval, Origin origin)
    {
        var coinMargined = instrument.Market == MarketType.Perp && BinanceMarkets.Of(instrument) == BinanceMarket.CoinMargined;
        var candle = new Candle
        {
            Instrument = instrument,
            Interval = interval,
            OpenTimeUs = OpenTimeUs,
            CloseTimeUs = CloseTimeUs,
            Open = Schemas.V1.Decimal.From(Positive(Open, "open")),
            High = Schemas.V1.Decimal.From(Positive(High, "high")),
            Low = Schemas.V1.Decimal.From(Positive(Low, "low")),
            Close = Schemas.V1.Decimal.From(Positive(Close, "close")),
            Volume = Schemas.V1.Decimal.From(Dec(Volume, "volume")),
            TradeCount = TradeCount,
            Closed = true,
            Source = CandleSource.Exchange,
            Origin = origin,
        };
        if (QuoteVolume is not null && !coinMargined)
        {
            candle.QuoteVolume = Schemas.V1.Decimal.From(Dec(QuoteVolume, "quote_volume"));
            if (candle.Volume.ToDecimal() > 0)
                candle.Vwap = Schemas.V1.Decimal.From(candle.QuoteVolume.ToDecimal() / candle.Volume.ToDecimal());
        }
        if (TakerBuyBaseVolume is not null)
            candle.TakerBuyVolume = Schemas.V1.Decimal.From(Dec(TakerBuyBaseVolume, "taker_buy_volume"));
        if (TakerBuyQuoteVolume is not null && !coinMargined)
            candle.TakerBuyQuoteVolume = Schemas.V1.Decimal.From(Dec(TakerBuyQuoteVolume, "taker_buy_quote_volume"));
        return candle;
    }

    internal static decimal Dec(string text, string field) =>
        decimal.TryParse(
            text,
            NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign | NumberStyles.AllowExponent,
            CultureInfo.InvariantCulture,
            out var v
        )
            ? v
            : throw new FormatException($"{field} '{text}' is not a decimal number");

    internal static decimal Positive(string text, string field) =>
        Dec(text, field) is > 0 and var v ? v : throw new FormatException($"{field} '{text}' is not positive");
}
