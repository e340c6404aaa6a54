// The instrument key every topic is partitioned by and every store is keyed by: "exchange:BASE/QUOTE:market".
using System.Diagnostics.CodeAnalysis;
using Pipeline.Schemas.V1;

namespace Pipeline.Schemas;

public static class InstrumentKey
{
    public static string Format(InstrumentRef instrument) =>
        Format(instrument.Exchange, instrument.Base, instrument.Quote, MarketTypes.Name(instrument.Market));

    /// <summary>The key of already-normalised parts (as stored: lower-case exchange, upper-case pair, market name).</summary>
    public static string Format(string exchange, string @base, string quote, string market) => $"{exchange}:{@base}/{quote}:{market}";

    /// <summary>An instrument from its parts, normalised (exchange lower case, base and quote upper case).</summary>
    public static InstrumentRef FromParts(string exchange, string @base, string quote, MarketType market) =>
        new()
        {
            Exchange = exchange.ToLowerInvariant(),
            Base = @base.ToUpperInvariant(),
            Quote = quote.ToUpperInvariant(),
            Market = market,
        };

    /// <summary>An instrument from its parts with the market as text ("spot", "perp", "future"); FormatException otherwise.</summary>
    public static InstrumentRef FromParts(string exchange, string @base, string quote, string market) =>
        MarketTypes.TryParse(market, out var m)
            ? FromParts(exchange, @base, quote, m)
            : throw new FormatException($"market '{market}' is not one of spot, perp, future");

    public static InstrumentRef Parse(string key) =>
        TryParse(key, out var instrument)
            ? instrument
            : throw new FormatException($"'{key}' is not an instrument key (exchange:BASE/QUOTE:market)");

    public static bool TryParse(string? key, [NotNullWhen(true)] out InstrumentRef? instrument)
    {
        instrument = null;
        var parts = key?.Split(':');
        if (parts is not { Length: 3 })
            return false;
        var pair = parts[1].Split('/');
        if (pair.Length != 2 || parts[0].Length == 0 || pair[0].Length == 0 || pair[1].Length == 0)
            return false;
        if (!MarketTypes.TryParse(parts[2], out var market))
            return false;
        instrument = FromParts(parts[0], pair[0], pair[1], market);
        return true;
    }
}
