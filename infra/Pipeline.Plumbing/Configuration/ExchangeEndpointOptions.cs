namespace Pipeline.Plumbing.Configuration;

/// <summary>Overrides where a venue's live connector and REST history connect (e.g. a test server or a proxy);
/// unset parts keep the venue's public address. Keyed by exchange: Exchanges:binance:WebSocket=ws://127.0.0.1:9000.</summary>
public sealed class ExchangeEndpointOptions
{
    public string? WebSocket { get; set; }
    public string? Rest { get; set; }
}
