// The configured instruments by venue and venue symbol: how a venue's "BTCUSDT" becomes binance:BTC/USDT:spot.
using Pipeline.Plumbing.Configuration;
using Pipeline.Schemas.V1;

namespace Pipeline.Producers.Venues;

public sealed class VenueListings
{
    private readonly Dictionary<(string Exchange, string Symbol), VenueListing> _bySymbol = new();
    private readonly List<VenueListing> _all = new();

    public VenueListings(IEnumerable<InstrumentOptions> instruments, VenueRegistry? venues = null)
    {
        foreach (var i in instruments)
        {
            InstrumentRef.TryParseMarket(i.Market, out var market);
            var r = InstrumentRef.Create(i.Exchange, i.Base, i.Quote, market);
            var listing = new VenueListing(r, i.Symbol ?? (venues ?? VenueRegistry.Default).DefaultSymbol(r.Exchange, r.Base, r.Quote, market), i.Intervals);
            _all.Add(listing);
            _bySymbol[(r.Exchange, listing.Symbol.ToUpperInvariant())] = listing;
        }
    }

    public IReadOnlyList<VenueListing> All => _all;

    public IEnumerable<VenueListing> On(string exchange) => _all.Where(l => l.Instrument.Exchange == exchange);

    public bool TryFind(string exchange, string symbol, out VenueListing listing) =>
        _bySymbol.TryGetValue((exchange.ToLowerInvariant(), symbol.ToUpperInvariant()), out listing!);

    /// <summary>Finds a listing by venue symbol or by instrument ("BTC/USDT", "binance:BTC/USDT:spot");
    /// throws ArgumentException naming what is configured when nothing matches.</summary>
    public VenueListing Find(string exchange, string symbolOrInstrument)
    {
        exchange = exchange.ToLowerInvariant();
        if (TryFind(exchange, symbolOrInstrument, out var bySymbol)) return bySymbol;
        var text = symbolOrInstrument.ToUpperInvariant();
        var match = On(exchange).FirstOrDefault(l =>
            string.Equals(l.Instrument.Key, symbolOrInstrument, StringComparison.OrdinalIgnoreCase)
            || $"{l.Instrument.Base}/{l.Instrument.Quote}" == text
            || $"{l.Instrument.Base}-{l.Instrument.Quote}" == text);
        if (match is not null) return match;
        var known = On(exchange).Select(l => $"{l.Symbol} ({l.Instrument.Base}/{l.Instrument.Quote})").ToList();
        throw new ArgumentException(known.Count == 0
            ? $"no instrument is configured on exchange '{exchange}'; add it to the instruments file (config/instruments.yaml)"
            : $"'{symbolOrInstrument}' is not a configured {exchange} instrument; configured: {string.Join(", ", known)} (add it to config/instruments.yaml)");
    }
}
