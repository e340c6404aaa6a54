// The Hive-style folder of an archived row: exchange=…/symbol=…/date=YYYY-MM-DD (what DuckDB, Spark and Athena read as columns).
using Pipeline.Schemas.V1;

namespace Pipeline.Archive;

public readonly record struct HivePartition(string Exchange, string Symbol, DateOnly Date)
{
    public string Path => $"exchange={Uri.EscapeDataString(Exchange)}/symbol={Uri.EscapeDataString(Symbol)}/date={Date:yyyy-MM-dd}";

    /// <summary>Symbol folder of an instrument: BASE-QUOTE-market ("BTC-USDT-spot"), so a venue's spot and perp never share a
    /// folder.</summary>
    public static HivePartition Of(InstrumentRef instrument, long timeUs) =>
        new(
            instrument.Exchange,
            $"{instrument.Base}-{instrument.Quote}-{InstrumentRef.MarketName(instrument.Market)}",
            DateOnly.FromDateTime(ArchiveTime.ToUtc(timeUs))
        );
}
