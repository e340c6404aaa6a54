// Where a GET /twaps page ends: the (time, twap_id) of its last row, the order pages are read in. A keyset cursor
// carries it, so the next page starts from the index at that row instead of counting past offset rows.
using System.Globalization;

namespace Pipeline.Api;

public sealed record TwapPosition(long TimeUs, long TwapId)
{
    public string Format() => string.Create(CultureInfo.InvariantCulture, $"{TimeUs}:{TwapId}");

    public static bool TryParse(string text, out TwapPosition position)
    {
        position = new TwapPosition(0, 0);
        var colon = text.IndexOf(':');
        if (
            colon <= 0
            || !long.TryParse(text.AsSpan(0, colon), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var time)
            || !long.TryParse(text.AsSpan(colon + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var id)
        )
            return false;
        position = new TwapPosition(time, id);
        return true;
    }
}
