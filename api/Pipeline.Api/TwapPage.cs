// GET /twaps answer: the page of statuses and what was asked (with next_offset when there is more).
using System.Text.Json.Serialization;

namespace Pipeline.Api;

public sealed record TwapPage(
    [property: JsonPropertyName("data")] IReadOnlyList<TwapStatusView> Data,
    [property: JsonPropertyName("metadata")] TwapPageMetadata Metadata
);
