// Which venues' markets close: the producers poll by these calendars and /coverage expects candles only inside their
// sessions. A venue not listed trades around the clock (every crypto venue).
namespace Pipeline.Schemas.Calendars;

public static class TradingCalendars
{
    /// <summary>The trading calendar of <paramref name="exchange"/> (our venue name), or null for a venue that never closes.</summary>
    public static ITradingCalendar? For(string exchange) =>
        string.Equals(exchange, "yahoo", StringComparison.OrdinalIgnoreCase) ? NyseCalendar.Instance : null;
}
