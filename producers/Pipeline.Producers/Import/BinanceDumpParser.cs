// Turns one CSV line of a Binance dump into our Trade or Candle; exact decimals from the text, ms/µs by magnitude.
using System.Globalization;
using Pipeline.Schemas.V1;

namespace Pipeline.Producers.Import;

public static class BinanceDumpParser
{
    /// <summary>True for a header line (the futures dumps and some newer spot dumps start with one).</summary>
    public static bool IsHeader(string line) => line.Length > 0 && !char.IsAsciiDigit(line[0]);

    /// <summary>trades: id,price,qty,quote_qty,time,is_buyer_maker,is_best_match.
    /// aggTrades: agg_trade_id,price,qty,first_trade_id,last_trade_id,time,is_buyer_maker,is_best_match.</summary>
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
        if (f.Length < 11) throw new FormatException($"has {f.Length} fields; a Binance kline row has 12");
        var open = Time(f[0], "open_time");
        // Binance's close time is the last included ms/µs; ours is exclusive.
        var closeRaw = Long(f[6], "close_time");
        var close = Time(f[6], "close_time") + (TimestampUnit.IsMicroseconds(closeRaw) ? 1 : 1000);
        return KlineCandle(instrument, interval, open, close, f[1], f[2], f[3], f[4], f[5], f[7], Long(f[8], "count"), f[9], f[10], true, origin);
    }

    /// <summary>A venue kline as our Candle (shared by the dump import and the REST/WebSocket clients).</summary>
    public static Candle KlineCandle(InstrumentRef instrument, string interval, long openUs, long closeUs, string open, string high,
        string low, string close, string volume, string? quoteVolume, long count, string? takerBuyBase, string? takerBuyQuote, bool closed, Origin origin)
    {
        var candle = new Candle
        {
            Instrument = instrument,
            Interval = interval,
            OpenTimeUs = openUs,
            CloseTimeUs = closeUs,
            Open = Schemas.V1.Decimal.From(Positive(open, "open")),
            High = Schemas.V1.Decimal.From(Positive(high, "high")),
            Low = Schemas.V1.Decimal.From(Positive(low, "low")),
            Close = Schemas.V1.Decimal.From(Positive(close, "close")),
            Volume = Schemas.V1.Decimal.From(Dec(volume, "volume")),
            TradeCount = count,
            Closed = closed,
            Source = CandleSource.Exchange,
            Origin = origin,
        };
        if (quoteVolume is not null)
        {
            candle.QuoteVolume = Schemas.V1.Decimal.From(Dec(quoteVolume, "quote_volume"));
            if (candle.Volume.ToDecimal() > 0) candle.Vwap = Schemas.V1.Decimal.From(candle.QuoteVolume.ToDecimal() / candle.Volume.ToDecimal());
        }
        if (takerBuyBase is not null) candle.TakerBuyVolume = Schemas.V1.Decimal.From(Dec(takerBuyBase, "taker_buy_volume"));
        if (takerBuyQuote is not null) candle.TakerBuyQuoteVolume = Schemas.V1.Decimal.From(Dec(takerBuyQuote, "taker_buy_quote_volume"));
        return candle;
    }

    private static long Time(string text, string field)
    {
        var value = Long(text, field);
        if (!TimestampUnit.TryToMicroseconds(value, out var us))
            throw new FormatException($"{field} '{text}' is neither epoch milliseconds nor microseconds");
        return us;
    }

    private static long Long(string text, string field) =>
        long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : throw new FormatException($"{field} '{text}' is not an integer");

    private static decimal Dec(string text, string field) =>
        decimal.TryParse(text, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out var v)
            ? v : throw new FormatException($"{field} '{text}' is not a decimal number");

    private static decimal Positive(string text, string field) =>
        Dec(text, field) is > 0 and var v ? v : throw new FormatException($"{field} '{text}' is not positive");

    private static bool Bool(string text, string field) => text.Trim() switch
    {
        "True" or "true" or "TRUE" => true,
        "False" or "false" or "FALSE" => false,
        _ => throw new FormatException($"{field} '{text}' is not true/false"),
    };
}
