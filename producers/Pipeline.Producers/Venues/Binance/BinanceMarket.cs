// Binance's three markets the pipeline reads: spot, USD-M perpetuals (fapi, fstream) and COIN-M perpetuals (dapi, dstream).
// Each has its own hosts, REST path prefix, live trade stream and volume unit.

namespace Pipeline.Producers.Venues.Binance;

public enum BinanceMarket
{
    Spot,

    /// <summary>USDT/USDC-margined perpetuals: quantities in the base asset.</summary>
    UsdMargined,

    /// <summary>Coin-margined perpetuals (symbol BTCUSD_PERP): quantities and kline volume in contracts
    /// (100 USD for BTC, 10 USD for the others); the kline's base-asset volume is the coin amount.</summary>
    CoinMargined,
}
