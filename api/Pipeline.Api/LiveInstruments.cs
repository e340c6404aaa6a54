// Instrument keys as live clients write them (exchange:BASE/QUOTE:market), checked against the registered instruments.
namespace Pipeline.Api;

public static class LiveInstruments
{
    /// <summary>The registered instrument's key, or an ApiProblem naming <paramref name="parameter"/> and what is wrong.</summary>
    public static async Task<string> ResolveAsync(InstrumentDirectory directory, string text, string parameter, CancellationToken ct)
    {
        var parts = text.Split(':');
        var pair = parts.Length == 3 ? parts[1].Split('/') : [];
        if (pair.Length != 2)
            throw ApiProblem.BadParameter(
                parameter,
                $"'{text}' is not an instrument key exchange:BASE/QUOTE:market, e.g. binance:BTC/USDT:spot"
            );
        var (_, r) = await directory.ResolveAsync(parts[0], pair[0], pair[1], parts[2], ct);
        return r.Key;
    }
}
