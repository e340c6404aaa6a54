namespace Pipeline.Schemas.Calendars;

/// <summary>When a venue trades. Equity exchanges close at night, at weekends and on holidays, so a minute without a bar
/// there is not missing data; crypto venues never close and need no calendar.</summary>
public interface ITradingCalendar
{
    /// <summary>True when <paramref name="us"/> (µs since the Unix epoch) lies inside a regular session.</summary>
    bool IsOpen(long us);

    /// <summary>The first instant at or after <paramref name="us"/> inside a regular session (<paramref name="us"/> itself
    /// when the market is open then).</summary>
    long NextOpenAtOrAfter(long us);

    /// <summary>The regular sessions overlapping [<paramref name="fromUs"/>, <paramref name="toUs"/>) as [open, close) in µs,
    /// in time order.</summary>
    IEnumerable<(long OpenUs, long CloseUs)> Sessions(long fromUs, long toUs);
}
