// Builds trades for the tests: exact decimals from strings, times from UTC date strings.
using System.Globalization;
using Pipeline.Plumbing.Configuration;
using Pipeline.Schemas.V1;
using ProtoDecimal = Pipeline.Schemas.V1.Decimal;

namespace Pipeline.Processors.Tests;

public static class TradeFactory
{
    public static readonly InstrumentRef Btc = InstrumentRef.Create("binance", "BTC", "USDT", MarketType.Spot);
    public static readonly InstrumentRef Eth = InstrumentRef.Create("binance", "ETH", "USDT", MarketType.Spot);
    public static readonly string[] Instruments = [Btc.Key, Eth.Key];

    public static long Us(string utc) =>
        DateTimeOffset.Parse(utc, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal).ToUnixTimeMilliseconds() * 1000;

    public static Trade Trade(
        long id,
        string price,
        string size,
        long eventUs,
        Origin origin = Origin.Backfill,
        AggressorSide side = AggressorSide.Buy,
        InstrumentRef? instrument = null
    ) =>
        new()
        {
            Instrument = instrument ?? Btc,
            TradeId = id,
            Price = ProtoDecimal.From(decimal.Parse(price, CultureInfo.InvariantCulture)),
            Size = ProtoDecimal.From(decimal.Parse(size, CultureInfo.InvariantCulture)),
            Aggressor = side,
            EventTimeUs = eventUs,
            ReceiveTimeUs = eventUs + 1000,
            Origin = origin,
            VenueSymbol = "BTCUSDT",
        };

    public static ProcessingOptions Options(int latenessMs = 2_000, int throttleMs = 1_000, int horizonMs = 3_600_000) =>
        new()
        {
            AllowedLatenessMs = latenessMs,
            OpenUpdateThrottleMs = throttleMs,
            RevisionHorizonMs = horizonMs,
        };

    public static decimal D(string s) => decimal.Parse(s, CultureInfo.InvariantCulture);
}
