// How OKX v5 names instruments and candle intervals.
using Pipeline.Schemas.V1;

namespace Pipeline.Producers.Venues.Okx;

public static class OkxInstruments
{
    /// <summary>Our interval names → OKX bar names. From 6h up only the "utc" bars open on UTC boundaries (the plain
    /// ones are aligned to Hong Kong time); OKX has no 8h bar, and its 3-day bar is not aligned like ours, so neither is used.</summary>
    public static readonly IReadOnlyDictionary<string, string> Bars = new Dictionary<string, string>
    {
        ["1m"] = "1m",
        ["3m"] = "3m",
        ["5m"] = "5m",
        ["15m"] = "15m",
        ["30m"] = "30m",
        ["1h"] = "1H",
        ["2h"] = "2H",
        ["4h"] = "4H",
        ["6h"] = "6Hutc",
        ["12h"] = "12Hutc",
        ["1d"] = "1Dutc",
        ["1w"] = "1Wutc",
    };

    /// <summary>The instId of a listing: BTC-USDT (spot), BTC-USDT-SWAP (perp).</summary>
    public static string InstId(string @base, string quote, MarketType market) =>
        market == MarketType.Perp ? $"{@base}-{quote}-SWAP" : $"{@base}-{quote}";
}
