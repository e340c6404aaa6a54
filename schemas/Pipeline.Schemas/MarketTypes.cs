// MarketType <-> its name in keys, configuration, SQL and the API ("spot", "perp", "future"), mapped once.
using Pipeline.Schemas.V1;

namespace Pipeline.Schemas;

public static class MarketTypes
{
    public static string Name(MarketType market) =>
        market switch
        {
            MarketType.Spot => "spot",
            MarketType.Perp => "perp",
            MarketType.Future => "future",
            _ => "unspecified",
        };

    /// <summary>Accepts the names and their common plurals/synonyms, any case.</summary>
    public static bool TryParse(string? text, out MarketType market)
    {
        market = text?.ToLowerInvariant() switch
        {
            "spot" => MarketType.Spot,
            "perp" or "perps" or "perpetual" => MarketType.Perp,
            "future" or "futures" => MarketType.Future,
            _ => MarketType.Unspecified,
        };
        return market != MarketType.Unspecified;
    }
}
