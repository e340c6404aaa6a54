// Origin and AggressorSide <-> their names in the API and their stored smallints (trades.origin/aggressor), mapped once.
using Pipeline.Schemas.V1;

namespace Pipeline.Schemas;

public static class Origins
{
    public static string Name(Origin origin) =>
        origin switch
        {
            Origin.Live => "live",
            Origin.Backfill => "backfill",
            Origin.Import => "import",
            Origin.Simulated => "simulated",
            _ => "unspecified",
        };

    public static short Stored(Origin origin) => (short)origin;

    public static Origin FromStored(short value) => (Origin)value;
}
