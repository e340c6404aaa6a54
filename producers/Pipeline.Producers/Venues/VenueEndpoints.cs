using Pipeline.Plumbing.Configuration;

namespace Pipeline.Producers.Venues;

/// <summary>Where a venue lives: its WebSocket and REST base addresses (tests point these at local fake servers).</summary>
public sealed record VenueEndpoints(Uri WebSocket, Uri Rest)
{
    /// <summary>The venue's address with the configured overrides (Exchanges:&lt;venue&gt;:WebSocket / :Rest) applied;
    /// throws <see cref="PipelineConfigurationException"/> naming the bad value.</summary>
    public static VenueEndpoints Configured(IVenue venue, IReadOnlyDictionary<string, ExchangeEndpointOptions> overrides)
    {
        var exchange = venue.Name;
        var defaults = venue.Endpoints;
        var o = overrides.FirstOrDefault(kv => string.Equals(kv.Key, exchange, StringComparison.OrdinalIgnoreCase)).Value;
        if (o is null)
            return defaults;
        return new VenueEndpoints(
            Url(o.WebSocket, "WebSocket", ["ws", "wss"]) ?? defaults.WebSocket,
            Url(o.Rest, "Rest", ["http", "https"]) ?? defaults.Rest
        );

        Uri? Url(string? text, string name, string[] schemes)
        {
            if (string.IsNullOrWhiteSpace(text))
                return null;
            if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && schemes.Contains(uri.Scheme))
                return uri;
            throw new PipelineConfigurationException([
                $"configuration: Exchanges:{exchange}:{name} '{text}' is not a {string.Join("/", schemes)} URL "
                    + $"(PIPELINE__EXCHANGES__{exchange.ToUpperInvariant()}__{name.ToUpperInvariant()})",
            ]);
        }
    }
}
