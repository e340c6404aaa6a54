namespace Pipeline.Producers.Venues.Binance.Dumps;

/// <summary>What an import published: trades and candles per instrument key, and the files read.</summary>
public sealed record BinanceDumpResult(
    IReadOnlyDictionary<string, long> Trades,
    IReadOnlyDictionary<string, long> Candles,
    int Files,
    int UnorderedRows
);
