// The query parameters of GET /stream/candles. Every value is text here and validated by the route, so a bad value gets our
// one-line problem answer rather than the framework's generic binding error.
using System.ComponentModel;
using Microsoft.AspNetCore.Mvc;

namespace Pipeline.Api.Queries;

public sealed class StreamQuery
{
    [FromQuery(Name = "instruments")]
    [Description("Comma-separated instrument keys exchange:BASE/QUOTE:market, e.g. binance:BTC/USDT:spot,sim:ETH/USD:spot.")]
    public string? Instruments { get; init; }

    [FromQuery(Name = "intervals")]
    [Description("Comma-separated intervals (default 1m): 1m, 3m, 5m, 15m, 30m, 1h, 2h, 4h, 6h, 8h, 12h, 1d, 3d, 1w.")]
    public string? Intervals { get; init; }
}
