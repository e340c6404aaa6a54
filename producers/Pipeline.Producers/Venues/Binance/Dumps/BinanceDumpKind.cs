namespace Pipeline.Producers.Venues.Binance.Dumps;

/// <summary>The three Binance public data dump files we read (data.binance.vision).</summary>
public enum BinanceDumpKind
{
    Trades,
    AggTrades,
    Klines,
}
