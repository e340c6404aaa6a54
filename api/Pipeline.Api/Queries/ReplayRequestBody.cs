// The JSON body of POST /replays, for the generated OpenAPI document; the route reads and checks it field by field, so a
// bad value gets one clear problem answer.
using System.ComponentModel;

namespace Pipeline.Api.Queries;

[Description("A replay to start: reprocess the trades of [from, to) into a new version.")]
public sealed record ReplayRequestBody(
    [property: Description("Name of the new version: 1-32 lower-case letters, digits or '-', starting with a letter; not used yet.")]
        string Version,
    [property: Description("Inclusive start of the exchange-time range: ISO-8601 UTC or Unix milliseconds.")] string From,
    [property: Description("Exclusive end: ISO-8601 UTC or Unix milliseconds; default now. Must be after from.")] string? To,
    [property: Description("Instrument keys, e.g. binance:BTC/USDT:spot; each must be configured. Default: all.")]
        IReadOnlyList<string>? Instruments,
    [property: Description("Candle intervals to write, e.g. 1m, 1h. Default: all.")] IReadOnlyList<string>? Intervals,
    [property: Description("Indicators to compute instead of the configured set, e.g. rsi(21). Default: the live set.")]
        IReadOnlyList<string>? Indicators,
    [property: Description("Processing:AllowedLatenessMs for this replay.")] int? AllowedLatenessMs,
    [property: Description("Processing:RevisionHorizonMs for this replay.")] int? RevisionHorizonMs,
    [property: Description("Validate again from trades.raw instead of reading trades.valid.")] bool? Revalidate
);
