// AggressorSide <-> its API name ("buy", "sell", none) and its stored smallint (trades.aggressor), mapped once.
using Pipeline.Schemas.V1;

namespace Pipeline.Schemas;

public static class AggressorSides
{
    /// <summary>"buy", "sell", or null when the venue did not say.</summary>
    public static string? Name(AggressorSide side) =>
        side switch
        {
            AggressorSide.Buy => "buy",
            AggressorSide.Sell => "sell",
            _ => null,
        };

    public static short Stored(AggressorSide side) => (short)side;

    public static AggressorSide FromStored(short value) => (AggressorSide)value;
}
