// Every fact about one venue in one place: where it lives, how it spells listings, its REST budget and history depth,
// the candle intervals it serves, and its live protocol and REST history. Adding a venue = one folder + one registry line.
using Pipeline.Schemas.V1;

namespace Pipeline.Producers.Venues;

public interface IVenue
{
    /// <summary>The exchange name in instrument keys ("binance").</summary>
    string Name { get; }

    /// <summary>The venue's public WebSocket and REST addresses (configuration may override them).</summary>
    VenueEndpoints Endpoints { get; }

    /// <summary>REST requests per second that stay inside the venue's public limits with room to spare.</summary>
    double RestRequestsPerSecond { get; }

    /// <summary>The candle intervals (our names) the venue's REST history serves.</summary>
    IReadOnlyList<string> CandleIntervals { get; }

    /// <summary>How far back the venue serves candles of an interval lasting <paramref name="intervalUs"/>, at
    /// <paramref name="nowUs"/> ("--days max").</summary>
    long HistoryDepthUs(long intervalUs, long nowUs);

    /// <summary>The venue's symbol for a listing whose configuration names none.</summary>
    string DefaultSymbol(string @base, string quote, MarketType market);

    /// <summary>Why this listing cannot be on the venue (a market it does not list, a symbol that does not match base
    /// and quote — likely a typo), or null.</summary>
    string? ListingProblem(string @base, string quote, MarketType market, string symbol);

    /// <summary>A fresh protocol per connection (some keep per-connection state, e.g. Hyperliquid's open candles).</summary>
    IVenueProtocol CreateProtocol();

    IVenueHistory CreateHistory(VenueHttp http, Uri restBase);
}
