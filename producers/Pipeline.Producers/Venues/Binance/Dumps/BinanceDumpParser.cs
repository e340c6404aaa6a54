// Turns one CSV line of a Binance dump into our Trade or Candle; exact decimals from the text, ms/µs by magnitude.
using System.Globalization;
using Pipeline.Schemas.V1;

namespace Pipeline.Producers.Venues.Binance.Dumps;

public static class BinanceDumpParser
{
    /// <summary>True for a header line (the futures dumps and some newer spot dumps start with one).</summary>
    public static bool IsHeader(string line) => line.Length > 0 && !char.IsAsciiDigit(line[0]);

    /// <summary>trades: id,price,qty,quote_qty,time,is_buyer_maker[,is_best_match] (spot has the last field; COIN-M's
    /// fourth field is base_qty and its qty counts contracts, kept as Binance gives it).
    /// aggTrades: agg_trade_id,price,qty,first_trade_id,last_trade_id,time,is_buyer_maker[,is_best_match].</summary>
    public static Trade ParseTrade(string line, BinanceDumpKind kind, InstrumentRef instrument, string symbol, long receiveTimeUs)
    {
        var f = line.Split(',');
        var (timeField, makerField, minFields) = kind == BinanceDumpKind.AggTrades ? (5, 6, 7) : (4, 5, 6);
        if (f.Length < minFields)
            throw new FormatException($"has {f.Length} fields; a Binance {kind} row has {minFields + 1}");
        return new Trade
        {
            Instrument = instrument,
            TradeId = Long(f[0], "id"),
            Price = Schemas.V1.Decimal.From(Positive(f[1], "price")),
            Size = Schemas.V1.Decimal.From(Positive(f[2], "quantity")),
            // The buyer being the maker means the seller was the taker.
            Aggressor = Bool(f[makerField], "is_buyer_maker") ? AggressorSide.Sell : AggressorSide.Buy,
            EventTimeUs = Time(f[timeField], "time"),
            ReceiveTimeUs = receiveTimeUs,
            Origin = Origin.Import,
            VenueSymbol = symbol,
        };
    }

    /// <summary>open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_base,taker_buy_quote,ignore.</summary>
    public static Candle ParseKline(string line, InstrumentRef instrument, string interval, Origin origin)
    {
        var f = line.Split(',');
        if (f.Length < 11)
            throw new FormatException($"has {f.Length} fields; a Binance kline row has 12");
        // Checked with the field's name first, so a bad close time is reported as such.
        Time(f[6], "close_time");
        var kline = new BinanceKline
        {
            OpenTimeUs = Time(f[0], "open_time"),
            CloseTimeUs = BinanceKline.ExclusiveCloseUs(Long(f[6], "close_time")),
            Open = f[1],
            High = f[2],
            Low = f[3],
            Close = f[4],
            Volume = f[5],
            QuoteVolume = f[7],
            TradeCount = Long(f[8], "count"),
            TakerBuyBaseVolume = f[9],
            TakerBuyQuoteVolume = f[10],
        };
        return kline.ToCandle(instrument, interval, origin);
    }

    private static long Time(string text, string field)
    {
        var value = Long(text, field);
        if (!BinanceTimestamps.TryToMicroseconds(value, out var us))
            throw new FormatException($"{field} '{text}' is neither epoch milliseconds nor microseconds");
        return us;
    }

    private static long Long(string text, string field) =>
        long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v)
            ? v
            : throw new FormatException($"{field} '{text}' is not an integer");

    private static decimal Positive(string text, string field) => BinanceKline.Positive(text, field);

    private static bool Bool(string text, string field) =>
        text.Trim() switch
        {
            "True" or "true" or "TRUE" => true,
            "False" or "false" or "FALSE" => false,
            _ => throw new FormatException($"{field} '{text}' is not true/false"),
        };
}
