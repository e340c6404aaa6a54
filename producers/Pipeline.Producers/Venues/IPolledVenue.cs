using Pipeline.Schemas.Calendars;

namespace Pipeline.Producers.Venues;

/// <summary>A venue without a stream: its live bars are polled from its REST history (<see cref="IVenue.CreateHistory"/>)
/// on a schedule that follows its trading calendar, and go to the same topic as streamed venue candles.</summary>
public interface IPolledVenue : IVenue
{
    ITradingCalendar Calendar { get; }

    /// <summary>The candle interval polled live (our name, e.g. "1m").</summary>
    string PolledInterval { get; }

    /// <summary>How long after a bar's end the venue's bar is complete enough to publish (its last prints arrive late).</summary>
    TimeSpan Settle { get; }
}
