// The shared wording of the symbol check every venue runs on its configured listings.
namespace Pipeline.Producers.Venues;

public static class VenueSymbols
{
    /// <summary>Null when <paramref name="symbol"/> is one of <paramref name="expected"/> (any case); otherwise the
    /// line that names the likely typo.</summary>
    public static string? Expect(string exchange, string @base, string quote, string symbol, params string[] expected) =>
        expected.Contains(symbol, StringComparer.OrdinalIgnoreCase)
            ? null
            : $"symbol '{symbol}' does not match {@base}/{quote} on {exchange}; expected {string.Join(" or ", expected)} (is the "
                + "base, quote or symbol misspelled?)";
}
