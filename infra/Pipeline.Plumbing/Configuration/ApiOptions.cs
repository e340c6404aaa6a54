namespace Pipeline.Plumbing.Configuration;

public sealed class ApiOptions
{
    public string Urls { get; set; } = "http://127.0.0.1:8080";

    /// <summary>Keys accepted in X-API-Key for mutating routes.</summary>
    public List<string> ApiKeys { get; set; } = new();

    /// <summary>Origins allowed by CORS; empty allows none.</summary>
    public List<string> CorsOrigins { get; set; } = new();

    /// <summary>Requests per second each client (API key, else remote address) may make; 0 turns the limit off.</summary>
    public int RateLimitPerSecond { get; set; } = 100;

    /// <summary>How many requests a client may make at once above its per-second rate.</summary>
    public int RateLimitBurst { get; set; } = 200;

    /// <summary>Live stream: at most this many candle events per second to each client (the latest per candle wins); 0: no
    /// throttle.</summary>
    public int StreamEventsPerSecond { get; set; } = 20;

    /// <summary>Live streams one client (API key, else remote address) may hold open at once; more get 429.</summary>
    public int StreamsPerClient { get; set; } = 10;

    /// <summary>Live streams the API holds open at once across all clients; more get 429.</summary>
    public int StreamsTotal { get; set; } = 1000;

    /// <summary>WebSocket: messages that may wait for one client; a client that falls this far behind is closed (1008, reason).</summary>
    public int SocketQueueLimit { get; set; } = 10_000;

    /// <summary>/candles: the latest candles held in memory per instrument, interval and source (version live), fed
    /// from the candles topic; requests inside that range skip PostgreSQL. About 300 bytes per candle; 0 turns it off.</summary>
    public int CandleStoreDepth { get; set; } = 2_000;
}
