// What a candle record must satisfy to be stored: the sink dead-letters a record that fails, and the API's
// recent-candle store skips it, so both hold exactly the same rows.
namespace Pipeline.Schemas.V1;

public static class StoredRecordChecks
{
    /// <summary>Null when the instrument can be stored; otherwise why not.</summary>
    public static string? Instrument(InstrumentRef? i)
    {
        if (i is null)
            return "the instrument is missing";
        if (string.IsNullOrEmpty(i.Exchange) || string.IsNullOrEmpty(i.Base) || string.IsNullOrEmpty(i.Quote))
            return "the instrument needs exchange, base and quote";
        if (i.Market == MarketType.Unspecified)
            return "the instrument's market type is unspecified";
        return null;
    }

    /// <summary>Null when the candle can be stored; otherwise why not.</summary>
    public static string? Candle(Candle c)
    {
        if (Instrument(c.Instrument) is { } why)
            return why;
        if (Schemas.CandleInterval.Find(c.Interval) is null)
            return $"interval '{c.Interval}' is not one of {string.Join(", ", Schemas.CandleInterval.Names)}";
        if (c.OpenTimeUs <= 0)
            return "the open time is missing";
        if (RecordBounds.CheckTime("the open time", c.OpenTimeUs) is { } badTime)
            return badTime;
        if (c.Open is null || c.High is null || c.Low is null || c.Close is null)
            return "open, high, low and close are required";
        decimal o = c.Open,
            h = c.High,
            l = c.Low,
            cl = c.Close;
        if (o <= 0 || h <= 0 || l <= 0 || cl <= 0)
            return "prices must be greater than zero";
        if (h < o || h < cl || h < l)
            return "high is below open, close or low";
        if (l > o || l > cl)
            return "low is above open or close";
        if ((c.Volume?.ToDecimal() ?? 0) < 0 || (c.QuoteVolume?.ToDecimal() ?? 0) < 0 || c.TradeCount < 0)
            return "volumes and trade count must not be negative";
        return null;
    }
}
