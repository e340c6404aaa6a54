namespace Pipeline.Producers.Venues;

/// <summary>A venue's WebSocket dialect: where to connect for one listing, what to send, and how its frames
/// become our Trade and Candle records.</summary>
public interface IVenueProtocol
{
    string Exchange { get; }

    /// <summary>True when the venue's trade ids for one listing go up by exactly one per trade, so a jump is a gap.</summary>
    bool SequentialTradeIds { get; }

    /// <summary>An application-level ping the venue needs to keep the connection open; null when protocol pings suffice.</summary>
    string? PingFrame { get; }
    Uri StreamUri(Uri webSocketBase, VenueListing listing);
    IReadOnlyList<string> SubscribeFrames(VenueListing listing);

    /// <summary>The candle intervals this connection receives from the venue (none when only trades are streamed);
    /// after a disconnect these are filled from REST for the window too.</summary>
    IReadOnlyList<string> StreamedIntervals(VenueListing listing);

    /// <summary>Parses one frame (UTF-8 JSON, parsed without a string copy) into <paramref name="into"/>; throws FormatException
    /// (or JsonException) when it is malformed.</summary>
    void Parse(ReadOnlyMemory<byte> frame, VenueListing listing, long receiveTimeUs, ParsedFrame into);

    /// <summary>Forgets per-connection state (called on every new connection): nothing seen before a disconnect may
    /// be completed with what is seen after it.</summary>
    void Reset() { }
}
