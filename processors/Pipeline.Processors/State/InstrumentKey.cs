// Parses the instrument key ("exchange:BASE/QUOTE:market") back into an InstrumentRef (changelog keys carry it).
using Pipeline.Schemas.V1;

namespace Pipeline.Processors.State;

public static class InstrumentKey
{
    public static InstrumentRef Parse(string key)
    {
        var parts = key.Split(':');
        var pair = parts.Length == 3 ? parts[1].Split('/') : [];
        if (pair.Length != 2 || !InstrumentRef.TryParseMarket(parts[2], out var market))
            throw new FormatException($"'{key}' is not an instrument key (exchange:BASE/QUOTE:market)");
        return InstrumentRef.Create(parts[0], pair[0], pair[1], market);
    }
}
