// The instrument key every topic is partitioned by: "exchange:BASE/QUOTE:market".
namespace Pipeline.Schemas.V1;

public sealed partial class InstrumentRef
{
    public string Key => $"{Exchange}:{Base}/{Quote}:{MarketName(Market)}";

    public static string MarketName(MarketType market) => market switch
    {
        MarketType.Spot => "spot",
        MarketType.Perp => "perp",
        MarketType.Future => "future",
        _ => "unspecified",
    };

    public static bool TryParseMarket(string? text, out MarketType market)
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

    public static InstrumentRef Create(string exchange, string @base, string quote, MarketType market) => new()
    {
        Exchange = exchange.ToLowerInvariant(),
        Base = @base.ToUpperInvariant(),
        Quote = quote.ToUpperInvariant(),
        Market = market,
    };
}
