// The configured instruments by venue and venue symbol: how a venue's "BTCUSDT" becomes binance:BTC/USDT:spot.
using Pipeline.Plumbing.Configuration;
using Pipeline.Plumbing.Errors;
using Pipeline.Producers.Venues;
using Pipeline.Schemas.V1;

namespace Pipeline.Producers;

public sealed class VenueListings
{
    private readonly Dictionary<(string Exchange, string Symbol), VenueListing> _bySymbol = new();
    private readonly List<VenueListing> _all = new();

    public VenueListings(IEnumerable<InstrumentOptions> instruments, VenueRegistry? venues = null)
    {
        foreach (var i in instruments)
        {
            var r = i.ToInstrumentRef();
            var listing = new VenueListing(
                r,
                i.Symbol ?? (venues ?? VenueRegistry.Default).DefaultSymbol(r.Exchange, r.Base, r.Quote, r.Market),
                i.Intervals
            );
            _all.Add(listing);
            _bySymbol[(r.Exchange, listing.Symbol.ToUpperInvariant())] = listing;
        }
    }

    public IReadOnlyList<VenueListing> All => _all;

    public IEnumerable<VenueListing> On(string exchange) => _all.Where(l => l.Instrument.Exchange == exchange);

    public bool TryFind(string exchange, string symbol, out VenueListing listing) =>
        _bySymbol.TryGetValue((exchange.ToLowerInvariant(), symbol.ToUpperInvariant()), out listing!);

    /// <summary>Finds a listing by venue symbol or by instrument ("BTC/USDT", "binance:BTC/USDT:spot"), within one market
    /// when given (Binance's BTCUSDT is both a spot and a USD-M perp symbol); throws ArgumentException naming what is
    /// configured when nothing or more than one listing matches.</summary>
    public VenueListing Find(string exchange, string symbolOrInstrument, MarketType? market = null)
    {
        exchange = exchange.ToLowerInvariant();
        var bySymbols = On(exchange)
            .Where(l =>
                string.Equals(l.Symbol, symbolOrInstrument, StringComparison.OrdinalIgnoreCase)
                && (market is null || l.Instrument.Market == market)
            )
            .ToList();
        if (bySymbols.Count > 1)
            throw new InvalidRequestException(
                $"'{symbolOrInstrument}' is configured on {exchange} as {string.Join(" and ", bySymbols.Select(l => l.Instrument.Key))}; "
                    + "say which market (--market spot or --market perp)"
            );
        if (bySymbols.Count == 1)
            return bySymbols[0];
        var text = symbolOrInstrument.ToUpperInvariant();
        var match = On(exchange)
            .Where(l => market is null || l.Instrument.Market == market)
            .FirstOrDefault(l =>
                string.Equals(l.Instrument.Key, symbolOrInstrument, StringComparison.OrdinalIgnoreCase)
                || $"{l.Instrument.Base}/{l.Instrument.Quote}" == text
                || $"{l.Instrument.Base}-{l.Instrument.Quote}" == text
            );
        if (match is not null)
            return match;
        var known = On(exchange).Select(l => $"{l.Symbol} ({l.Instrument.Base}/{l.Instrument.Quote})").ToList();
        throw new InvalidRequestException(
            known.Count == 0
                ? $"no instrument is configured on exchange '{exchange}'; add it to the instruments file (config/instruments.yaml)"
                : $"'{symbolOrInstrument}' is not a configured {exchange} instrument; configured: "
                    + $"{string.Join(", ", known)} (add it to config/instruments.yaml)"
        );
    }
}
