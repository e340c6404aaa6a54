// The JSON of live messages (candles, trades, indicator values), written once for the SSE stream and the WebSocket.
using System.Text.Json;
using Pipeline.Schemas;
using Pipeline.Schemas.V1;

namespace Pipeline.Api;

public static class LiveJson
{
    /// <summary>One candle: the /candles fields plus instrument and interval.</summary>
    public static void WriteCandle(Utf8JsonWriter w, Candle c)
    {
        w.WriteStartObject();
        WriteInstrument(w, c.Instrument);
        w.WriteString("interval", c.Interval);
        w.WriteString("time", ApiTime.Format(c.OpenTimeUs));
        w.WriteString("open", c.Open?.ToInvariantString());
        w.WriteString("high", c.High?.ToInvariantString());
        w.WriteString("low", c.Low?.ToInvariantString());
        w.WriteString("close", c.Close?.ToInvariantString());
        w.WriteString("volume", c.Volume?.ToInvariantString() ?? "0");
        w.WriteString("quote_volume", c.QuoteVolume?.ToInvariantString() ?? "0");
        w.WriteNumber("trade_count", c.TradeCount);
        w.WriteBoolean("closed", c.Closed);
        w.WriteNumber("revision", c.Revision);
        w.WriteEndObject();
    }

    /// <summary>One trade: the /trades fields plus the instrument.</summary>
    public static void WriteTrade(Utf8JsonWriter w, Trade t)
    {
        w.WriteStartObject();
        WriteInstrument(w, t.Instrument);
        w.WriteString("time", ApiTime.Format(t.EventTimeUs));
        w.WriteNumber("trade_id", t.TradeId);
        w.WriteString("price", t.Price?.ToInvariantString());
        w.WriteString("size", t.Size?.ToInvariantString());
        if (AggressorSides.Name(t.Aggressor) is { } side)
            w.WriteString("side", side);
        else
            w.WriteNull("side");
        w.WriteEndObject();
    }

    /// <summary>One indicator value: the /indicators fields plus instrument and interval.</summary>
    public static void WriteIndicator(Utf8JsonWriter w, IndicatorValue v)
    {
        w.WriteStartObject();
        WriteInstrument(w, v.Instrument);
        w.WriteString("interval", v.Interval);
        w.WriteString("time", ApiTime.Format(v.OpenTimeUs));
        w.WriteString("indicator", v.Indicator);
        w.WriteStartObject("values");
        foreach (var f in v.Fields)
        {
            if (f.HasValue && double.IsFinite(f.Value))
                w.WriteNumber(f.Name, f.Value);
            else
                w.WriteNull(f.Name);
        }
        w.WriteEndObject();
        w.WriteNumber("candle_revision", v.CandleRevision);
        w.WriteEndObject();
    }

    private static void WriteInstrument(Utf8JsonWriter w, InstrumentRef instrument)
    {
        w.WriteString("instrument", instrument.Key);
        HistoryJson.WriteInstrument(w, instrument);
    }
}
