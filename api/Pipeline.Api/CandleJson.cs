// Writes one candle's JSON object of the /candles answer. Every path that serves candles (PostgreSQL rows, the
// recent-candle store, forward-filled intervals) goes through here, so equal values give equal bytes.
using System.Buffers;
using System.Text.Json;

namespace Pipeline.Api;

public static class CandleJson
{
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? _buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? _writer;

    /// <summary>The candle's JSON object (null extras: the venue does not report them or the candle is filled).</summary>
    public static byte[] Render(
        long timeUs,
        decimal open,
        decimal high,
        decimal low,
        decimal close,
        decimal volume,
        decimal quoteVolume,
        long tradeCount,
        decimal? takerBuyVolume,
        decimal? takerBuyQuoteVolume,
        decimal? vwap,
        long? firstTradeId,
        long? lastTradeId,
        bool closed,
        int revision,
        bool filled
    )
    {
        var buffer = _buffer ??= new ArrayBufferWriter<byte>(512);
        buffer.ResetWrittenCount();
        var w = _writer ??= new Utf8JsonWriter(buffer);
        w.Reset(buffer);
        w.WriteStartObject();
        w.WriteString("time", ApiTime.Format(timeUs));
        WriteDecimal(w, "open", open);
        WriteDecimal(w, "high", high);
        WriteDecimal(w, "low", low);
        WriteDecimal(w, "close", close);
        WriteDecimal(w, "volume", volume);
        WriteDecimal(w, "quote_volume", quoteVolume);
        w.WriteNumber("trade_count", tradeCount);
        WriteDecimal(w, "taker_buy_volume", takerBuyVolume);
        WriteDecimal(w, "taker_buy_quote_volume", takerBuyQuoteVolume);
        WriteDecimal(w, "vwap", vwap);
        WriteLong(w, "first_trade_id", firstTradeId);
        WriteLong(w, "last_trade_id", lastTradeId);
        w.WriteBoolean("closed", closed);
        w.WriteNumber("revision", revision);
        w.WriteBoolean("filled", filled);
        w.WriteEndObject();
        w.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Decimals are strings: exact, with the stored scale (trailing zeros) kept.</summary>
    private static void WriteDecimal(Utf8JsonWriter w, string name, decimal? value)
    {
        if (value is not { } v)
        {
            w.WriteNull(name);
            return;
        }
        Span<byte> text = stackalloc byte[64];
        if (!v.TryFormat(text, out var written, default, System.Globalization.CultureInfo.InvariantCulture))
            throw new InvalidOperationException($"decimal {v} did not fit 64 bytes");
        w.WriteString(name, text[..written]);
    }

    private static void WriteLong(Utf8JsonWriter w, string name, long? value)
    {
        if (value is { } v)
            w.WriteNumber(name, v);
        else
            w.WriteNull(name);
    }
}
