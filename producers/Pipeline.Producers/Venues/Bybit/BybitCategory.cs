// Bybit v5 splits everything by product category: spot, linear (USDT/USDC-margined perps) and inverse (coin-margined).
using Pipeline.Plumbing.Errors;
using Pipeline.Schemas.V1;

namespace Pipeline.Producers.Venues.Bybit;

public static class BybitCategory
{
    /// <summary>The v5 category of a listing: "spot", "linear" or "inverse"; ArgumentException for dated futures.</summary>
    public static string Of(InstrumentRef instrument) =>
        instrument.Market switch
        {
            MarketType.Spot => "spot",
            // Perps quoted in USD are the coin-margined (inverse) contracts; USDT/USDC-quoted ones are linear.
            MarketType.Perp => instrument.Quote == "USD" ? "inverse" : "linear",
            _ => throw new InvalidRequestException($"Bybit {instrument.Market} listings are not supported; use spot or perp"),
        };

    /// <summary>Our interval names → Bybit's ("1", "60", "D", "W"): the ones both sides have.</summary>
    public static readonly IReadOnlyDictionary<string, string> Intervals = new Dictionary<string, string>
    {
        ["1m"] = "1",
        ["3m"] = "3",
        ["5m"] = "5",
        ["15m"] = "15",
        ["30m"] = "30",
        ["1h"] = "60",
        ["2h"] = "120",
        ["4h"] = "240",
        ["6h"] = "360",
        ["12h"] = "720",
        ["1d"] = "D",
        ["1w"] = "W",
    };
}
