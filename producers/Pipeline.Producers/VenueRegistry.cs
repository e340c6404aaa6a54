// The one list of venues: looked up by name wherever a venue fact is needed; also checks instrument configuration.
using Pipeline.Plumbing.Configuration;
using Pipeline.Plumbing.Errors;
using Pipeline.Producers.Simulation;
using Pipeline.Producers.Venues;
using Pipeline.Producers.Venues.Binance;
using Pipeline.Producers.Venues.Bybit;
using Pipeline.Producers.Venues.Coinbase;
using Pipeline.Producers.Venues.Hyperliquid;
using Pipeline.Producers.Venues.Kraken;
using Pipeline.Producers.Venues.Okx;
using Pipeline.Producers.Venues.Yahoo;
using Pipeline.Schemas.V1;

namespace Pipeline.Producers;

public sealed class VenueRegistry : IVenueCatalog
{
    private readonly Dictionary<string, IVenue> _byName;

    public VenueRegistry(IEnumerable<IVenue> venues)
    {
        All = venues.ToList();
        _byName = All.ToDictionary(v => v.Name, StringComparer.OrdinalIgnoreCase);
        Connected = All.Select(v => v.Name).ToList();
        Exchanges = [SimulatedMarket.Venue, .. Connected];
    }

    /// <summary>Every venue the producers connect to.</summary>
    public static VenueRegistry Default { get; } =
        new([
            new BinanceVenue(),
            new CoinbaseVenue(),
            new KrakenVenue(),
            new HyperliquidVenue(),
            new BybitVenue(),
            new OkxVenue(),
            new YahooVenue(),
        ]);

    public IReadOnlyList<IVenue> All { get; }
    public IReadOnlyList<string> Connected { get; }
    public IReadOnlyList<string> Exchanges { get; }

    public bool TryGet(string exchange, out IVenue venue) => _byName.TryGetValue(exchange, out venue!);

    /// <summary>The venue by exchange name; ArgumentException naming the supported ones otherwise.</summary>
    public IVenue Get(string exchange) =>
        TryGet(exchange, out var venue)
            ? venue
            : throw new InvalidRequestException($"no connector for exchange '{exchange}'; supported: {string.Join(", ", Connected)}");

    public string DefaultSymbol(string exchange, string @base, string quote, MarketType market) =>
        TryGet(exchange, out var venue) ? venue.DefaultSymbol(@base, quote, market) : $"SIM-{@base}{quote}";

    public string? Problem(string exchange, string @base, string quote, MarketType market, string symbol) =>
        TryGet(exchange, out var venue) ? venue.ListingProblem(@base, quote, market, symbol) : null;
}
