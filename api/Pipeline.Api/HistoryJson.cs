// JSON pieces every history answer shares.
using System.Text.Json;
using Pipeline.Schemas.V1;

namespace Pipeline.Api;

public static class HistoryJson
{
    public static void WriteInstrument(Utf8JsonWriter w, InstrumentRef instrument)
    {
        w.WriteString("exchange", instrument.Exchange);
        w.WriteString("base", instrument.Base);
        w.WriteString("quote", instrument.Quote);
        w.WriteString("market", InstrumentRef.MarketName(instrument.Market));
    }
}
