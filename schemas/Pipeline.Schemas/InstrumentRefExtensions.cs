// The instrument key every topic is partitioned by: "exchange:BASE/QUOTE:market" (see InstrumentKey).
namespace Pipeline.Schemas.V1;

public sealed partial class InstrumentRef
{
    public string Key => Schemas.InstrumentKey.Format(this);

    public static string MarketName(MarketType market) => MarketTypes.Name(market);

    public static bool TryParseMarket(string? text, out MarketType market) => MarketTypes.TryParse(text, out market);

    public static InstrumentRef Create(string exchange, string @base, string quote, MarketType market) =>
        Schemas.InstrumentKey.FromParts(exchange, @base, quote, market);
}
