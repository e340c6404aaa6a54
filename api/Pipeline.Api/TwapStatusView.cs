// One TWAP status as the API answers it: decimals as strings, times ISO-8601 UTC.
using System.Text.Json.Serialization;

namespace Pipeline.Api;

public sealed record TwapStatusView(
    [property: JsonPropertyName("twap_id")] long TwapId,
    [property: JsonPropertyName("wallet")] string Wallet,
    [property: JsonPropertyName("time")] string Time,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("asset")] string Asset,
    [property: JsonPropertyName("side")] string Side,
    [property: JsonPropertyName("size")] string Size,
    [property: JsonPropertyName("executed_size")] string ExecutedSize,
    [property: JsonPropertyName("executed_notional")] string ExecutedNotional,
    [property: JsonPropertyName("duration_minutes")] int? DurationMinutes,
    [property: JsonPropertyName("reduce_only")] bool? ReduceOnly,
    [property: JsonPropertyName("randomize")] bool? Randomize,
    [property: JsonPropertyName("order_time")] string? OrderTime,
    [property: JsonPropertyName("source_object")] string SourceObject,
    [property: JsonIgnore] long TimeUs
);
