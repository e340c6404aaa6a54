using Pipeline.Schemas.V1;

namespace Pipeline.Producers.Venues;

/// <summary>One configured instrument with the venue's own symbol and the candle intervals wanted for it.</summary>
public sealed record VenueListing(InstrumentRef Instrument, string Symbol, IReadOnlyList<string> Intervals);
