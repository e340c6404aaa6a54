namespace Pipeline.Producers.Import;

/// <summary>The three Binance public data dump files we read (data.binance.vision).</summary>
public enum BinanceDumpKind
{
    Trades,
    AggTrades,
    Klines,
}
