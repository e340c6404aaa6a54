// CandleSource <-> its API name and its stored smallint (candles.source), mapped once.
using Pipeline.Schemas.V1;

namespace Pipeline.Schemas;

public static class CandleSources
{
    public static string Name(CandleSource source) => source == CandleSource.Exchange ? "exchange" : "aggregated";

    public static short Stored(CandleSource source) => (short)source;

    public static CandleSource FromStored(short value) => (CandleSource)value;

    public static bool TryParse(string? text, out CandleSource source)
    {
        source = text switch
        {
            "aggregated" => CandleSource.Aggregated,
            "exchange" => CandleSource.Exchange,
            _ => CandleSource.Unspecified,
        };
        return source != CandleSource.Unspecified;
    }
}
