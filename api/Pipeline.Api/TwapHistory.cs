// GET /twaps/{twap_id} answer: every status update of one TWAP in time order.
using System.Text.Json.Serialization;

namespace Pipeline.Api;

public sealed record TwapHistory(
    [property: JsonPropertyName("twap_id")] long TwapId,
    [property: JsonPropertyName("data")] IReadOnlyList<TwapStatusView> Data
);
