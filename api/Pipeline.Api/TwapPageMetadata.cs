using System.Text.Json.Serialization;

namespace Pipeline.Api;

/// <summary>What a GET /twaps page covers; next_cursor (and next_offset, for offset paging) are null on the last page.</summary>
public sealed record TwapPageMetadata(
    [property: JsonPropertyName("wallet")] string Wallet,
    [property: JsonPropertyName("start")] string Start,
    [property: JsonPropertyName("end")] string End,
    [property: JsonPropertyName("asset")] string? Asset,
    [property: JsonPropertyName("latest_per_twap")] bool LatestPerTwap,
    [property: JsonPropertyName("limit")] int Limit,
    [property: JsonPropertyName("offset")] long Offset,
    [property: JsonPropertyName("count")] int Count,
    [property: JsonPropertyName("next_offset")] long? NextOffset,
    [property: JsonPropertyName("next_cursor")] string? NextCursor
);
