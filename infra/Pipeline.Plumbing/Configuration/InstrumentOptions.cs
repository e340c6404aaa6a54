using Pipeline.Schemas;
using Pipeline.Schemas.V1;

namespace Pipeline.Plumbing.Configuration;

/// <summary>A registered instrument: a listing on a venue (BTC/USD is not BTC/USDC).</summary>
public sealed class InstrumentOptions
{
    public string Exchange { get; set; } = "";
    public string Base { get; set; } = "";
    public string Quote { get; set; } = "";

    /// <summary>spot, perp or future.</summary>
    public string Market { get; set; } = "spot";

    /// <summary>The venue's own symbol, e.g. BTCUSDT, BTC-USD, XBT/USD.</summary>
    public string? Symbol { get; set; }
    public List<string> Intervals { get; set; } = new();

    /// <summary>The instrument this listing is (configuration is validated at load, so the market parses).</summary>
    public InstrumentRef ToInstrumentRef() => InstrumentKey.FromParts(Exchange, Base, Quote, Market);
}
