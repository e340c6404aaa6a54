// One TWAP status as a test writes it into a Parquet object (Hyperliquid's documented shape, flattened).
namespace Pipeline.Twap.Tests;

public sealed record TwapStatusRow(
    long TwapId,
    string User,
    long TimeNs,
    string Status,
    string Coin,
    string Side,
    string Sz,
    string ExecutedSz,
    string ExecutedNtl,
    int Minutes,
    bool ReduceOnly,
    bool Randomize,
    long TimestampMs
)
{
    public long TimeUs => TimeNs / 1000;
    public string Wallet => User.ToLowerInvariant();
}
