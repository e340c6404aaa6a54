// The JSON shape of an API answer, for the generated OpenAPI document (the readers write it directly, for speed;
// ApiDocumentTests checks real answers have exactly these fields).
using System.ComponentModel;

namespace Pipeline.Api.Answers;

/// <summary>One candle. Decimals are strings (exact); times are ISO-8601 UTC with 6 fractional digits.</summary>
[Description("One candle. Decimals are strings (exact); times are ISO-8601 UTC with 6 fractional digits.")]
public sealed record CandleRow(
    string Time,
    string Open,
    string High,
    string Low,
    string Close,
    string Volume,
    string QuoteVolume,
    long TradeCount,
    [property: Description("Base volume of trades where the taker bought; null when the venue does not report the aggressor side.")]
        string? TakerBuyVolume,
    [property: Description("Quote volume of trades where the taker bought; null when the venue does not report the aggressor side.")]
        string? TakerBuyQuoteVolume,
    [property: Description("Volume-weighted average price of the interval (quote_volume / volume); null when unknown.")] string? Vwap,
    long? FirstTradeId,
    long? LastTradeId,
    bool Closed,
    int Revision,
    [property: Description(
        "True for an interval without trades, forward-filled from the last close at query time (fill=true); never stored."
    )]
        bool Filled
);
