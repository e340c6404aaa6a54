// The venue facts the configuration needs to check an instruments list. Plumbing knows no venue: the producers'
// VenueRegistry implements this and the CLI hands it to PipelineConfiguration.Load.
using Pipeline.Schemas.V1;

namespace Pipeline.Plumbing.Configuration;

public interface IVenueCatalog
{
    /// <summary>Exchange names an instrument may name: every venue with a connector, plus "sim" for the simulator.</summary>
    IReadOnlyList<string> Exchanges { get; }

    /// <summary>Exchange names with live connectors and REST history (endpoint overrides apply to these).</summary>
    IReadOnlyList<string> Connected { get; }

    /// <summary>The venue's own symbol for a listing whose configuration names none.</summary>
    string DefaultSymbol(string exchange, string @base, string quote, MarketType market);

    /// <summary>Why this listing cannot be on the venue (a market it does not list, a symbol that does not match base
    /// and quote), as the end of one configuration line; null when it can.</summary>
    string? Problem(string exchange, string @base, string quote, MarketType market, string symbol);
}
