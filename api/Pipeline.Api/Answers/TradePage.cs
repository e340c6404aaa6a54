// The JSON shape of an API answer, for the generated OpenAPI document (the readers write it directly, for speed;
// ApiDocumentTests checks real answers have exactly these fields).
using System.ComponentModel;

namespace Pipeline.Api.Answers;

/// <summary>GET /trades: a page of trades in (time, trade id) order.</summary>
[Description("GET /trades: a page of trades in (time, trade id) order.")]
public sealed record TradePage(IReadOnlyList<TradeRow> Data, TradePageMetadata Metadata);
