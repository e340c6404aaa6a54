namespace Pipeline.Producers.Venues.Binance.Dumps;

/// <summary>How far an import is: bytes of CSV text read of the total, and records published.</summary>
public sealed record BinanceDumpProgress(string File, long BytesRead, long BytesTotal, long Records);
