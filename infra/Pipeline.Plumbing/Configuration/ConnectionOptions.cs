namespace Pipeline.Plumbing.Configuration;

/// <summary>Timing and size limits of the live connectors and REST history (Connections:* in the configuration,
/// PIPELINE__CONNECTIONS__HEARTBEATTIMEOUT=00:00:30; defaults suit real venues, tests shorten them).</summary>
public sealed record ConnectionOptions
{
    /// <summary>No frame (data or heartbeat) for this long means the connection is dead: it is dropped and reopened.</summary>
    public TimeSpan HeartbeatTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Interval of application-level pings for venues that need them, and of WebSocket keep-alive pings.</summary>
    public TimeSpan PingInterval { get; init; } = TimeSpan.FromSeconds(20);
    public TimeSpan ReconnectBaseDelay { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan ReconnectMaxDelay { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Records waiting for Kafka across all connections; when full, connections stop reading (back-pressure).</summary>
    public int QueueCapacity { get; init; } = 10_000;

    /// <summary>Largest frame accepted; bigger ones are counted as malformed.</summary>
    public int MaxFrameBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>Cap on trades fetched to fill one gap while the live stream waits (the oldest first); the rest is logged as
    /// missing.</summary>
    public int MaxGapTrades { get; init; } = 100_000;

    /// <summary>REST requests per second per venue (token bucket) and burst; null uses each venue's published budget
    /// (the venue folder's RestRequestsPerSecond).</summary>
    public double? RestRequestsPerSecond { get; init; }

    /// <summary>Connection attempts per second per venue (token bucket).</summary>
    public double ConnectsPerSecond { get; init; } = 2;

    /// <summary>Circuit breaker per venue: opens after this failure ratio (over at least 4 attempts in 60 s) for BreakDuration.</summary>
    public double BreakerFailureRatio { get; init; } = 0.8;
    public TimeSpan BreakDuration { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Shortest time between two polls of a listing on a polled venue (Yahoo); polls also wait for the next bar
    /// to close and sleep while the market is closed.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMinutes(1);
}
