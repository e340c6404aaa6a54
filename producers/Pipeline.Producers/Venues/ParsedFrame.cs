using Pipeline.Schemas.V1;

namespace Pipeline.Producers.Venues;

/// <summary>What one venue frame contained: trades, closed candles, or only control traffic (acks, heartbeats).</summary>
public sealed class ParsedFrame
{
    public List<Trade> Trades { get; } = new();
    public List<Candle> Candles { get; } = new();

    /// <summary>A venue error message (e.g. a rejected subscription), to be logged.</summary>
    public string? VenueError { get; set; }

    public void Clear()
    {
        Trades.Clear();
        Candles.Clear();
        VenueError = null;
    }
}
