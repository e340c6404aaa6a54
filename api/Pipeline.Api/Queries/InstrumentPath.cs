// The {exchange}/{base}/{quote}/{market} route segments that name an instrument (matched case-insensitively).
using System.ComponentModel;
using Microsoft.AspNetCore.Mvc;

namespace Pipeline.Api.Queries;

public sealed class InstrumentPath
{
    [FromRoute(Name = "exchange")]
    [Description("Venue in lower case: binance, coinbase, kraken, hyperliquid, sim.")]
    public required string Exchange { get; init; }

    [FromRoute(Name = "base")]
    [Description("Base asset, e.g. BTC.")]
    public required string Base { get; init; }

    [FromRoute(Name = "quote")]
    [Description("Quote asset, e.g. USDT.")]
    public required string Quote { get; init; }

    [FromRoute(Name = "market")]
    [Description("spot, perp or future.")]
    public required string Market { get; init; }
}
